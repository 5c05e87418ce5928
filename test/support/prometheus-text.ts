/** One sample of a Prometheus text exposition: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (\\S+)(?: (-?\\d+))?$`);
// Go's ParseFloat, which Prometheus uses, reads NaN and Inf in any case (prom-client writes "Nan").
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|[+-]?inf|nan)$/i;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/**
 * Parses the Prometheus text format (version 0.0.4) strictly: every line must be a HELP, a TYPE, a comment or a
 * well-formed sample; a TYPE comes before its samples and at most once; histograms have _bucket/_sum/_count. Throws
 * on the first line that breaks the format.
 */
export function parsePrometheusText(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const seenSamplesOf = new Set<string>();
  text.split("\n").forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line === "") return;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      if (!new RegExp(`^${NAME}$`).test(m[2])) throw new Error(`bad metric name, ${where}`);
      if (m[1] === "TYPE") {
        if (!TYPES.has(m[3])) throw new Error(`unknown type, ${where}`);
        if (types.has(m[2])) throw new Error(`second TYPE, ${where}`);
        if (seenSamplesOf.has(m[2])) throw new Error(`TYPE after samples, ${where}`);
        types.set(m[2], m[3]);
      }
      return;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample, ${where}`);
    const [, name, labelText, , , , , value] = m;
    if (!VALUE.test(value)) throw new Error(`bad value, ${where}`);
    const labels: Record<string, string> = {};
    for (const lm of (labelText ?? "").matchAll(new RegExp(LABEL, "g"))) {
      if (lm[1] in labels) throw new Error(`repeated label, ${where}`);
      labels[lm[1]] = lm[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    const family = name.replace(/_(bucket|sum|count|total|created)$/, "");
    seenSamplesOf.add(name);
    seenSamplesOf.add(family);
    samples.push({ name, labels, value: /nan/i.test(value) ? NaN : Number(value.replace(/^\+?inf$/i, "Infinity").replace(/^-inf$/i, "-Infinity")) });
  });
  for (const [name, type] of types) {
    if (type !== "histogram") continue;
    for (const suffix of ["_bucket", "_sum", "_count"]) {
      if (samples.some((s) => s.name.startsWith(name)) && !samples.some((s) => s.name === name + suffix)) throw new Error(`histogram ${name} without ${suffix}`);
    }
    if (samples.some((s) => s.name === `${name}_bucket` && s.labels.le === undefined)) throw new Error(`histogram ${name} bucket without le`);
  }
  return { samples, types };
}

/** The value of one sample, or undefined. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
