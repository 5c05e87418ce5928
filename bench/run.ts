/**
 * `npm run bench`: every job family beside its raw ceiling, measured in one run on the real services, at N and at
 * 10×N. Prints a table and writes bench/results/<date>.json. Asserts nothing; docs/performance.md explains the figures.
 */
import "../src/cli/quiet-warnings";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Harness } from "../test/support/harness";
import { bullmqCeiling, generationSqlFloor, retirementSqlFloor, s3DeleteCeiling } from "./ceilings";
import { generationFamily, purgeFamily, retirementFamily, type FamilyResult } from "./families";
import { renderTable, type SizeResult } from "./support/report";

/** The worker's heap cap in docker-compose.yml: without it V8 lets garbage pile up past 250 MB of RSS (measured). */
const WORKER_NODE_OPTIONS = "--max-old-space-size=128";

const HELP = `npm run bench -- [options]

  --n N              items per family at the small size (default 200); the large size is N × --scale
  --scale K          the large size is K × N (default 10; 1 runs one size only)
  --concurrency C    worker concurrency (default 32), also used by the no-op BullMQ ceiling
  --families LIST    comma-separated: purge,generation,retirement (default all)
  --log-level L      the worker's LOG_LEVEL (default info, as in production)
  --worker-node-options O  the worker's NODE_OPTIONS (default "${WORKER_NODE_OPTIONS}", as in docker-compose.yml;
                     "" for none)
  --http-latency-ms  how long the local LMS takes to answer each retirement HTTP step (default 20)
  --retirement-chunk N  learners per retirement job, as retire-learners --chunk-size (default 32, docs/performance.md's
                     setting for a backlog; 1 measures one retire-learner job per learner)
  --label TEXT       stored in the JSON (e.g. "before", "after")
  --out FILE         JSON path (default bench/results/<date>.json)
  --help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: "string", default: "200" },
      scale: { type: "string", default: "10" },
      concurrency: { type: "string", default: "32" },
      families: { type: "string", default: "purge,generation,retirement" },
      "log-level": { type: "string", default: "info" },
      "worker-node-options": { type: "string", default: WORKER_NODE_OPTIONS },
      "http-latency-ms": { type: "string", default: "20" },
      "retirement-chunk": { type: "string", default: "32" },
      label: { type: "string", default: "" },
      out: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return void console.log(HELP);
  const n = positive(values.n, "--n");
  const scale = positive(values.scale, "--scale");
  const concurrency = positive(values.concurrency, "--concurrency");
  const families = values.families.split(",").map((f) => f.trim()).filter(Boolean);
  const unknown = families.filter((f) => !["purge", "generation", "retirement"].includes(f));
  if (unknown.length) throw new Error(`unknown families: ${unknown.join(", ")}`);
  const sizes = scale === 1 ? [n] : [n, n * scale];

  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "?",
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
  console.log(`bench: sizes ${sizes.join(" and ")}, concurrency ${concurrency}, families ${families.join(",")}, retirement chunks of ${values["retirement-chunk"]}; ${machine.cpus} CPUs, load average ${machine.loadAverageAtStart.join(" ")}`);

  const started = new Date();
  const results: SizeResult[] = [];
  for (const size of sizes) {
    const h = await Harness.create({ bucket: true });
    try {
      const tag = `${size}`;
      const log = (what: string) => console.log(`  [N=${size}] ${what}`);
      const r: SizeResult = { size, families: {} };
      log("ceiling: BullMQ no-op jobs");
      r.bullmq = await bullmqCeiling(h, size, concurrency);
      const familyOpts = { concurrency, logLevel: values["log-level"], workerNodeOptions: values["worker-node-options"], tag, httpLatencyMs: Number(values["http-latency-ms"]), retirementChunk: positive(values["retirement-chunk"], "--retirement-chunk") };
      if (families.includes("purge")) {
        log("ceiling: S3 DeleteObjects");
        r.s3 = await s3DeleteCeiling(h, size);
        log("purge");
        r.families.purge = await purgeFamily(h, size, familyOpts);
      }
      if (families.includes("generation")) {
        log("floor: generation SQL in bulk");
        r.generationSqlPerSec = await generationSqlFloor(h, size, `${tag}f`);
        log("generation");
        r.families.generation = await generationFamily(h, size, familyOpts);
      }
      if (families.includes("retirement")) {
        log("floor: retirement SQL in bulk");
        r.retirementSqlPerSec = await retirementSqlFloor(h, size, `${tag}f`);
        log("retirement");
        r.families.retirement = await retirementFamily(h, size, familyOpts);
      }
      for (const [name, f] of Object.entries(r.families) as Array<[string, FamilyResult]>) log(`${name} check: ${f.check}`);
      results.push(r);
    } finally {
      await h.close();
    }
  }

  const report = {
    label: values.label,
    startedAt: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 1000),
    options: { n, scale, concurrency, families, logLevel: values["log-level"], workerNodeOptions: values["worker-node-options"], httpLatencyMs: Number(values["http-latency-ms"]), retirementChunk: Number(values["retirement-chunk"]) },
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))) },
    results,
  };
  console.log(renderTable(report.results));
  console.log(`load average at end ${report.machine.loadAverageAtEnd.join(" ")}; ${report.seconds} s in all`);
  const out = values.out ?? path.join(__dirname, "results", `${started.toISOString().slice(0, 16).replace(":", "-")}${values.label ? `-${values.label}` : ""}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written ${path.relative(process.cwd(), out)}`);
}

function positive(text: string, flag: string): number {
  const v = Number(text);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return v;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
