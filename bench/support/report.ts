import type { BullmqCeiling } from "../ceilings";
import type { FamilyResult } from "../families";

export interface SizeResult {
  size: number;
  bullmq?: BullmqCeiling;
  s3?: { objectsPerSec: number; certificatesPerSec: number };
  generationSqlPerSec?: number;
  retirementSqlPerSec?: number;
  families: Partial<Record<"purge" | "generation" | "retirement", FamilyResult>>;
}

interface Row {
  figure: string;
  value: (r: SizeResult) => number | undefined;
  ceiling?: (r: SizeResult) => number | undefined;
  target: string;
  /** true when the ratio is a target to meet (≥), false when it is a bound (≤). */
  unit?: string;
}

const fmt = (v: number | undefined, unit = "/s") => (v === undefined || Number.isNaN(v) ? "—" : `${v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1)}${unit}`);
const ratio = (a?: number, b?: number) => (a === undefined || !b ? "—" : `${(a / b).toFixed(2)}×`);

const ROWS: Row[] = [
  { figure: "purge, certificates/s ÷ S3 DeleteObjects ceiling", value: (r) => r.families.purge?.perSec, ceiling: (r) => r.s3?.certificatesPerSec, target: "≥ 0.80×" },
  { figure: "generation, learners/s ÷ no-op BullMQ processing", value: (r) => r.families.generation?.perSec, ceiling: (r) => r.bullmq?.processedPerSec, target: "≥ 0.30×" },
  { figure: "generation, learners/s ÷ bulk SQL floor", value: (r) => r.families.generation?.perSec, ceiling: (r) => r.generationSqlPerSec, target: "(info)" },
  { figure: "retirement, learners/s ÷ no-op BullMQ processing", value: (r) => r.families.retirement?.perSec, ceiling: (r) => r.bullmq?.processedPerSec, target: "≥ 0.04×" },
  { figure: "retirement, learners/s ÷ bulk SQL floor", value: (r) => r.families.retirement?.perSec, ceiling: (r) => r.retirementSqlPerSec, target: "(info)" },
  { figure: "purge producer, certificates/s ÷ no-op addBulk", value: (r) => r.families.purge?.enqueuePerSec, ceiling: (r) => r.bullmq?.enqueuePerSec, target: "≥ 10,000/s" },
  { figure: "generation producer, learners/s ÷ no-op addBulk", value: (r) => r.families.generation?.enqueuePerSec, ceiling: (r) => r.bullmq?.enqueuePerSec, target: "≥ 10,000/s" },
  { figure: "retirement producer, learners/s ÷ no-op addBulk", value: (r) => r.families.retirement?.enqueuePerSec, ceiling: (r) => r.bullmq?.enqueuePerSec, target: "≥ 10,000/s" },
  ...(["purge", "generation", "retirement"] as const).flatMap((f): Row[] => [
    { figure: `${f}, enqueue→completion p50 / p99 (ms)`, value: (r) => r.families[f]?.p50Ms, ceiling: (r) => r.families[f]?.p99Ms, target: "(info)", unit: "pct" },
    { figure: `${f}, worker peak RSS`, value: (r) => r.families[f]?.workerPeakRssMb, target: "< 250 MB", unit: " MB" },
  ]),
];

/** Figure | N: value, ceiling, ratio | 10×N: value, ceiling, ratio | growth | target. */
export function renderTable(results: SizeResult[]): string {
  const header = ["figure", ...results.flatMap((r) => [`N=${r.size}`, "ceiling", "ratio"]), "target"];
  const lines: string[][] = [header];
  for (const row of ROWS) {
    if (results.every((r) => row.value(r) === undefined)) continue;
    const cells = [row.figure];
    for (const r of results) {
      if (row.unit === "pct") cells.push(fmt(row.value(r), ""), fmt(row.ceiling?.(r), ""), "");
      else cells.push(fmt(row.value(r), row.unit ?? "/s"), row.ceiling ? fmt(row.ceiling(r)) : "", row.ceiling ? ratio(row.value(r), row.ceiling(r)) : "");
    }
    cells.push(row.target);
    lines.push(cells);
  }
  if (results.length > 1) {
    const [small, large] = [results[0], results[results.length - 1]];
    const k = large.size / small.size;
    for (const f of ["purge", "generation", "retirement"] as const) {
      const a = small.families[f];
      const b = large.families[f];
      if (!a || !b) continue;
      // Time at K×N over K × time at N: ≤ 1 means linear or better.
      const growth = (b.items / b.perSec) / (k * (a.items / a.perSec));
      lines.push([`${f}, time(${k}×N) ÷ ${k}×time(N)`, ...results.flatMap(() => ["", "", ""]).slice(0, -1), growth.toFixed(2), "≤ 1.00"]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length)));
  const render = (l: string[]) => `| ${l.map((c, i) => (i === 0 ? (c ?? "").padEnd(widths[i]) : (c ?? "").padStart(widths[i]))).join(" | ")} |`;
  return [render(header), `|${widths.map((w, i) => (i === 0 ? ":" : "") + "-".repeat(w + 1) + (i === 0 ? "" : ":")).join("|")}|`, ...lines.slice(1).map(render)].join("\n");
}
