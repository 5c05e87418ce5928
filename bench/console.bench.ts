/**
 * The console at rest with a big history: seeds N completed jobs (default 100,000) into certificate-purge and some
 * failed and waiting ones, learners in retirement states, then starts the real `console` command as a child process
 * and reports its idle RSS and the latency of /metrics (sequential scrapes, as Prometheus does). Prints figures;
 * asserts nothing. `npm run bench:console -- 100000`
 */
import "../src/cli/quiet-warnings";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Queue, Worker } from "bullmq";
import { runCliInProcess } from "../test/support/cli";
import { Harness } from "../test/support/harness";
import { services } from "../test/support/services";

const BIN = path.resolve(__dirname, "../bin/openedx-workers.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function seedCompleted(prefix: string, count: number): Promise<number> {
  const connection = { url: services.redisUrl };
  const queue = new Queue("certificate-purge", { connection, prefix });
  const t = Date.now();
  for (let i = 0; i < count; i += 1000) {
    const n = Math.min(1000, count - i);
    await queue.addBulk(Array.from({ length: n }, (_, k) => ({
      name: "purge-pdf-certificate",
      data: { certificateId: i + k + 1 },
      opts: { jobId: `purge-pdf-certificate.${i + k + 1}`, removeOnComplete: false },
    })));
  }
  // A no-op worker moves them to completed: the retained history /metrics counts from.
  const worker = new Worker("certificate-purge", async () => ({ status: "done" }), { connection: { ...connection, maxRetriesPerRequest: null }, prefix, concurrency: 200 });
  while ((await queue.getCompletedCount()) < count) await sleep(500);
  await worker.close();
  for (let i = 0; i < 50; i++) await queue.add("purge-pdf-certificate", { certificateId: count + i + 1 }, { jobId: `purge-pdf-certificate.w${i}` });
  await queue.close();
  return (Date.now() - t) / 1000;
}

async function main(count: number): Promise<void> {
  const h = await Harness.create();
  try {
    process.stderr.write(`seeding ${count.toLocaleString("en")} completed jobs…\n`);
    const seedSeconds = await seedCompleted(h.prefix, count);
    const env = h.env({ CONSOLE_SESSION_SECRET: "bench-session-secret-0123456789abcdef", CONSOLE_METRICS_CACHE_SECONDS: "10", LOG_LEVEL: "warn" });
    const populate = await runCliInProcess(["populate-retirement-states"], env);
    if (populate.code !== 0) throw new Error(populate.err);

    const runs = [];
    for (const nodeOptions of ["", CONSOLE_NODE_OPTIONS]) runs.push(await measureConsole(env, nodeOptions, count));
    for (const r of runs) {
      console.log(`console with ${count.toLocaleString("en")} completed jobs retained (${r.completedLine ?? "no completed line!"}), NODE_OPTIONS="${r.nodeOptions}"`);
      console.log(`  idle RSS                 ${r.idleRssMb} MB   (after 200 scrapes: ${r.rssAfter200ScrapesMb} MB)`);
      console.log(`  /metrics first scrape    ${r.metricsFirstMs} ms  (cold: database figures read, then cached)`);
      console.log(`  /metrics p50 / p95 / max ${r.metricsP50Ms} / ${r.metricsP95Ms} / ${r.metricsMaxMs} ms over 200 sequential scrapes (${r.metricsBytes} bytes)`);
    }
    console.log(JSON.stringify({ completedJobs: count, seedSeconds: Number(seedSeconds.toFixed(1)), runs: runs.map(({ completedLine: _, ...r }) => r) }));
  } finally {
    await h.close();
  }
}

/** What docker-compose gives the console: a 1 MB young generation instead of 16 MB (the console allocates little). */
const CONSOLE_NODE_OPTIONS = "--max-semi-space-size=1";

async function measureConsole(env: Record<string, string>, nodeOptions: string, count: number) {
  const child = spawn(process.execPath, [BIN, "console", "--port", "0"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, NODE_OPTIONS: nodeOptions },
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = "";
      child.stderr!.on("data", (d) => {
        err += d;
        const m = /console listening on (http:\/\/\S+?) /.exec(err);
        if (m) resolve(m[1]);
      });
      child.once("exit", (code) => reject(new Error(`console exited ${code}: ${err}`)));
      setTimeout(() => reject(new Error(`console did not start: ${err}`)), 30000);
    });
    await sleep(5000);
    const idleRss = rssMb(child.pid!);
    const first = process.hrtime.bigint();
    const body = await (await fetch(`${url}/metrics`)).text();
    const firstMs = Number(process.hrtime.bigint() - first) / 1e6;
    const completedLine = body.split("\n").find((l) => l.startsWith('openedx_workers_queue_jobs{queue="certificate-purge",state="completed"}'));
    if (!completedLine?.endsWith(` ${count}`)) throw new Error(`unexpected completed count: ${completedLine}`);
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = process.hrtime.bigint();
      await (await fetch(`${url}/metrics`)).text();
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    const round = (n: number) => Number(n.toFixed(1));
    return {
      nodeOptions,
      completedLine,
      idleRssMb: round(idleRss),
      rssAfter200ScrapesMb: round(rssMb(child.pid!)),
      metricsFirstMs: round(firstMs),
      metricsP50Ms: round(percentile(times, 50)),
      metricsP95Ms: round(percentile(times, 95)),
      metricsMaxMs: round(times[times.length - 1]),
      metricsBytes: body.length,
    };
  } finally {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  }
}

main(Number(process.argv[2] ?? 100_000)).catch((err) => {
  console.error(err);
  process.exit(1);
});
