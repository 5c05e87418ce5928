import { Queue, Worker } from "bullmq";
import { expect } from "chai";
import { createJobMetrics } from "../../src/services/metrics/job-metrics";
import { startWorkerMetricsServer } from "../../src/workers/worker-metrics-server";
import { WorkerHost } from "../../src/workers/worker-host";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text";
import { services } from "../support/services";
import { startConsole, type RunningConsole } from "./console-fixtures";
import { makeFailedJob } from "./console-helpers";
import { insertLmsRow } from "../support/lms-seed";

async function waitFor(check: () => Promise<boolean>, what: string, ms = 15000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("console: /metrics", function () {
  this.timeout(60000);
  let h: Harness;
  let con: RunningConsole;

  before(async () => {
    h = await Harness.create();
    con = await startConsole(h, { CONSOLE_METRICS_CACHE_SECONDS: "0" });
    await con.app.consoleMetrics.ready();
  });
  after(async () => {
    await con?.close();
    await h?.close();
  });

  it("parses as Prometheus text, its job counts match `queues --json`, and its counters follow completed and failed jobs", async () => {
    const connection = { url: services.redisUrl };
    const purge = new Queue("certificate-purge", { connection, prefix: h.prefix });
    const generation = new Queue("certificate-generation", { connection, prefix: h.prefix });
    try {
      // A known set: 2 failed purges, 3 completed generations, 4 waiting purges, 1 delayed retirement.
      await makeFailedJob(h.prefix, "certificate-purge", "purge-pdf-certificate", { certificateId: 1 }, "purge-pdf-certificate.1");
      await makeFailedJob(h.prefix, "certificate-purge", "purge-pdf-certificate", { certificateId: 2 }, "purge-pdf-certificate.2");
      const done = new Worker("certificate-generation", async () => ({ status: "done" }), { connection: { ...connection, maxRetriesPerRequest: null }, prefix: h.prefix });
      for (let i = 1; i <= 3; i++) await generation.add("generate-certificate", { userId: i, courseKey: "course-v1:Demo+X+1" }, { jobId: `generate-certificate.${i}.c` });
      await waitFor(async () => (await generation.getCompletedCount()) === 3, "3 completed generation jobs");
      await done.close();
      for (let i = 10; i < 14; i++) await purge.add("purge-pdf-certificate", { certificateId: i }, { jobId: `purge-pdf-certificate.${i}` });
      await new Queue("learner-retirement", { connection, prefix: h.prefix }).add("retire-learner", { userId: 5 }, { jobId: "retire-learner.5", delay: 600_000 }).then(() => undefined);

      const fetchMetrics = async () => {
        const res = await fetch(`${con.url}/metrics`);
        expect(res.status).to.equal(200);
        expect(res.headers.get("content-type")).to.include("text/plain");
        return parsePrometheusText(await res.text());
      };
      await waitFor(async () => sampleValue((await fetchMetrics()).samples, "openedx_workers_jobs_completed_total", { queue: "certificate-generation", job_name: "generate-certificate" }) === 3, "completed counter at 3");
      const { samples, types } = await fetchMetrics();
      expect(types.get("openedx_workers_queue_jobs")).to.equal("gauge");
      expect(types.get("openedx_workers_jobs_completed_total")).to.equal("counter");
      expect(types.get("process_resident_memory_bytes")).to.equal("gauge");
      expect(sampleValue(samples, "openedx_workers_jobs_failed_total", { queue: "certificate-purge", job_name: "purge-pdf-certificate" })).to.equal(2);

      const cli = await runCliInProcess(["queues", "--json"], h.env());
      expect(cli.code).to.equal(0);
      const counts = JSON.parse(cli.out) as Record<string, Record<string, number>>;
      expect(counts["certificate-purge"]).to.include({ failed: 2, waiting: 4 });
      expect(counts["certificate-generation"]).to.include({ completed: 3 });
      expect(counts["learner-retirement"]).to.include({ delayed: 1 });
      for (const [queue, byState] of Object.entries(counts)) {
        for (const [state, n] of Object.entries(byState)) {
          expect(sampleValue(samples, "openedx_workers_queue_jobs", { queue, state }), `${queue} ${state}`).to.equal(n);
        }
      }
    } finally {
      await purge.close();
      await generation.close();
    }
  });

  it("counts learners per retirement state as the database does, and unresolved failed generation tasks", async () => {
    const populate = await runCliInProcess(["populate-retirement-states"], h.env());
    expect(populate.code, populate.err).to.equal(0);
    const states: { id: number; state_name: string }[] = await h.ds.query("SELECT id, state_name FROM user_api_retirementstate ORDER BY state_execution_order");
    const plan: [string, number][] = [["PENDING", 3], ["LOCKING_COMPLETE", 1], ["ERRORED", 2], ["COMPLETE", 1]];
    let n = 0;
    for (const [stateName, count] of plan) {
      const state = states.find((s) => s.state_name === stateName)!;
      for (let i = 0; i < count; i++) {
        n++;
        const userId = await insertLmsRow(h.ds, "auth_user", { username: `learner${n}`, email: `learner${n}@example.com` });
        await insertLmsRow(h.ds, "user_api_userretirementstatus", {
          created: new Date(), modified: new Date(), user_id: userId, original_username: `learner${n}`, original_email: `learner${n}@example.com`, original_name: "",
          retired_username: `retired__user_${n}`, retired_email: `retired__user_${n}@retired.invalid`, current_state_id: state.id, last_state_id: state.id, responses: "",
        });
      }
    }
    await h.ds.query(
      `INSERT INTO openedx_workers_failed_task (created, modified, queue, task_name, task_id, args, kwargs, exc, attempts_made, datetime_resolved)
       VALUES (UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'certificate-generation', 'generate-certificate', 'a', '[]', '{}', 'x', 3, NULL),
              (UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'certificate-generation', 'generate-certificate', 'b', '[]', '{}', 'x', 3, NULL),
              (UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'certificate-generation', 'generate-certificate', 'c', '[]', '{}', 'x', 3, UTC_TIMESTAMP(6))`,
    );
    const { samples } = parsePrometheusText(await (await fetch(`${con.url}/metrics`)).text());
    const byDb: { state_name: string; n: number }[] = await h.ds.query(
      `SELECT r.state_name, COUNT(s.id) AS n FROM user_api_retirementstate r LEFT JOIN user_api_userretirementstatus s ON s.current_state_id = r.id GROUP BY r.state_name`,
    );
    expect(byDb.length).to.be.greaterThan(5);
    for (const row of byDb) expect(sampleValue(samples, "openedx_workers_retirement_learners", { state: row.state_name }), row.state_name).to.equal(Number(row.n));
    expect(sampleValue(samples, "openedx_workers_retirement_learners", { state: "PENDING" })).to.equal(3);
    expect(sampleValue(samples, "openedx_workers_failed_generation_tasks")).to.equal(2);
  });

  it("requires the bearer token when CONSOLE_METRICS_TOKEN is set", async () => {
    const guarded = await startConsole(h, { CONSOLE_METRICS_TOKEN: "scrape-me" });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).to.equal(401);
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).to.equal(401);
      const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: "Bearer scrape-me" } });
      expect(ok.status).to.equal(200);
      parsePrometheusText(await ok.text());
    } finally {
      await guarded.close();
    }
  });

  it("a worker process serves its own counters and duration histogram on WORKER_METRICS_PORT", async () => {
    const metrics = createJobMetrics();
    const server = await startWorkerMetricsServer(metrics, { port: 0, host: "127.0.0.1", token: "w-token" });
    const h2 = await Harness.create({ bucket: true });
    let host: WorkerHost | undefined;
    try {
      const ctx = await h2.context();
      host = new WorkerHost(ctx, { queues: ["certificate-purge" as never], concurrency: 2, metrics });
      host.start();
      // Unknown certificate ids: the purge completes as "skipped" (nothing to purge), a job like any other here.
      await ctx.queues.addMany([1, 2].map((id) => ({ name: "purge-pdf-certificate" as never, data: { certificateId: id } as never, jobId: `purge-pdf-certificate.${id}` })));
      await waitFor(async () => (await ctx.queues.queue("certificate-purge" as never).getCompletedCount()) + (await ctx.queues.queue("certificate-purge" as never).getFailedCount()) === 2, "2 finished purge jobs");
      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).to.equal(401);
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { authorization: "Bearer w-token" } });
      const { samples, types } = parsePrometheusText(await res.text());
      expect(types.get("openedx_workers_job_duration_seconds")).to.equal("histogram");
      const finished = (sampleValue(samples, "openedx_workers_jobs_completed_total", { queue: "certificate-purge", job_name: "purge-pdf-certificate" }) ?? 0)
        + (sampleValue(samples, "openedx_workers_jobs_failed_total", { queue: "certificate-purge", job_name: "purge-pdf-certificate" }) ?? 0);
      expect(finished).to.equal(2);
      const count = samples.filter((s) => s.name === "openedx_workers_job_duration_seconds_count" && s.labels.job_name === "purge-pdf-certificate").reduce((a, s) => a + s.value, 0);
      expect(count).to.be.at.least(2);
      expect(sampleValue(samples, "process_cpu_user_seconds_total")).to.be.a("number");
    } finally {
      await host?.close(2000);
      await server.close();
      await h2.close();
    }
  });
});
