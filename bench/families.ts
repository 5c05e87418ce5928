import { parseCourseKey } from "../src/domain/course-key";
import { DEFAULT_PIPELINE, pipelineRows } from "../src/domain/retirement/retirement-pipeline";
import { enqueuePurges } from "../src/producers/pdf-certificate-purge.producer";
import { runGenerationBatch } from "../src/producers/certificate-generation.producer";
import { retireLearners } from "../src/producers/retirement-queue.producer";
import { QueueName } from "../src/queues/registry";
import { FakeHttpService } from "../test/support/fake-http-service";
import type { Harness } from "../test/support/harness";
import type { AppContext } from "../src/app/app-context";
import { GENERATION_BRANCHES, GENERATION_ENV, seedGenerationCourse } from "./seed/generation.seed";
import { seedPdfCertificates } from "./seed/purge.seed";
import { seedRetirementLearners } from "./seed/retirement.seed";
import { perSecond, queueTimings, since, waitUntilDrained } from "./support/measure";
import { WorkerProcess } from "./support/worker-process";

export interface FamilyResult {
  items: number;
  /** Items (certificates, learners) per second, from the first enqueue to the last completion. */
  perSec: number;
  /** Items the producer enqueued per second (its whole run: selection SQL and addBulk). */
  enqueuePerSec: number;
  jobs: number;
  failedJobs: number;
  p50Ms: number;
  p99Ms: number;
  workerPeakRssMb: number;
  /** What the run left in the database, checked after it: every item must be done exactly once. */
  check: string;
}

export interface FamilyOptions {
  concurrency: number;
  logLevel: string;
  /** The worker process's NODE_OPTIONS (docker-compose's, by default). */
  workerNodeOptions: string;
  tag: string;
  /** How long the local LMS takes to answer each retirement HTTP step (forums, notes). */
  httpLatencyMs: number;
  /** Learners per retirement job (retire-learners --chunk-size). */
  retirementChunk: number;
}

/**
 * One family end to end: the real `worker` process is started and idle first, then the real producer enqueues the
 * items while it runs; the clock stops at the last job's completion. The producer's connections are opened before
 * the clock starts: its rate is its work (selection SQL, look-ups, addBulk), not a process start.
 */
async function runFamily(
  h: Harness,
  queueName: QueueName,
  items: number,
  opts: FamilyOptions,
  env: Record<string, string>,
  enqueue: (producer: AppContext) => Promise<unknown>,
  check: () => Promise<string>,
): Promise<FamilyResult> {
  const producer = await h.context({ env });
  const queue = producer.queues.queue(queueName);
  // The nightly sweeper off: its scheduler's next run is a delayed job, which waitUntilDrained would wait for.
  const worker = new WorkerProcess(h.env({ ...env, LOG_LEVEL: opts.logLevel, STUCK_JOB_SWEEPER_CRON: "off", ...(opts.workerNodeOptions ? { NODE_OPTIONS: opts.workerNodeOptions } : {}) }), ["--queues", queueName, "--concurrency", String(opts.concurrency)]);
  try {
    await worker.start(queue);
    const start = Date.now();
    const t = performance.now();
    await enqueue(producer);
    const enqueueMs = since(t);
    await waitUntilDrained(queue, 1_800_000);
    const timings = await queueTimings(queue);
    return {
      items,
      perSec: perSecond(items, timings.lastFinishedOn - start),
      enqueuePerSec: perSecond(items, enqueueMs),
      jobs: timings.jobs,
      failedJobs: timings.failed,
      p50Ms: timings.p50Ms,
      p99Ms: timings.p99Ms,
      workerPeakRssMb: worker.peakRssMb(),
      check: await check(),
    };
  } finally {
    await worker.stop();
  }
}

export async function purgeFamily(h: Harness, count: number, opts: FamilyOptions): Promise<FamilyResult> {
  const { ids } = await seedPdfCertificates(h, count, opts.tag);
  return runFamily(h, QueueName.CertificatePurge, count, opts, {}, async (producer) => enqueuePurges(producer.queues, ids), async () => {
    const [links] = await h.ds.query(`SELECT COUNT(*) AS n FROM certificates_generatedcertificate WHERE id IN (?) AND (download_url <> '' OR download_uuid <> '')`, [ids]);
    const [audit] = await h.ds.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT certificate_id) AS certificates FROM openedx_workers_pdf_certificate_purge WHERE certificate_id IN (?)`, [ids]);
    const left = (await h.bucket!.keys()).filter((k) => !k.startsWith("ceiling/")).length;
    const ok = Number(links.n) === 0 && Number(audit.n) === count && Number(audit.certificates) === count && left === 0;
    return `${ok ? "ok" : "WRONG"}: links left ${links.n}, audit rows ${audit.n} for ${audit.certificates} certificates, objects left ${left}`;
  });
}

export async function generationFamily(h: Harness, count: number, opts: FamilyOptions): Promise<FamilyResult> {
  const { courseKey, userIds } = await seedGenerationCourse(h, count, opts.tag);
  const quiet = { warn: () => undefined, out: () => undefined };
  return runFamily(
    h, QueueName.CertificateGeneration, count, opts, GENERATION_ENV,
    async (producer) => runGenerationBatch(producer, { courseKey: parseCourseKey(courseKey)!, dryRun: false, userIds }, quiet),
    async () => {
      const rows: Array<{ status: string; n: number }> = await h.ds.query(`SELECT status, COUNT(*) AS n FROM certificates_generatedcertificate WHERE course_id = ? GROUP BY status ORDER BY status`, [courseKey]);
      const [failed] = await h.ds.query(`SELECT COUNT(*) AS n FROM openedx_workers_failed_task`);
      // The status each branch of GENERATION_BRANCHES ends in (the others write nothing): every learner's outcome.
      const endsIn: Record<string, number[]> = { downloadable: [0, 1, 3, 4, 9], unavailable: [8], unverified: [10], notpassing: [11] };
      const expected = (branches: number[]) => userIds.filter((_, i) => branches.includes(i % GENERATION_BRANCHES.length)).length;
      const statusesOk = rows.length === Object.keys(endsIn).length && Object.entries(endsIn).every(([status, branches]) => Number(rows.find((r) => r.status === status)?.n ?? 0) === expected(branches));
      const ok = statusesOk && Number(failed.n) === 0;
      return `${ok ? "ok" : "WRONG"}: ${rows.map((r) => `${r.status} ${r.n}`).join(", ")}; failed tasks ${failed.n}`;
    },
  );
}

/**
 * A local LMS for the default pipeline's HTTP steps: its OAuth token endpoint, and the forum and notes retirement
 * endpoints answering 204 after `latencyMs`, as a real LMS would after doing the work.
 */
export async function localLms(latencyMs: number): Promise<{ lms: FakeHttpService; env: Record<string, string> }> {
  const lms = await FakeHttpService.start();
  lms.onToken();
  const answer = async () => {
    await new Promise((r) => setTimeout(r, latencyMs));
    return { status: 204 };
  };
  lms.on("POST /api/discussion/v1/accounts/retire_forum/", answer).on("POST /api/edxnotes/v1/retire_user/", answer);
  // upstream's default pipeline, HTTP steps included (the test harness's database-only pipeline would skip them).
  const pipeline = JSON.stringify(pipelineRows(DEFAULT_PIPELINE));
  return { lms, env: { RETIREMENT_PIPELINE: pipeline, RETIREMENT_LMS_BASE_URL: lms.url, RETIREMENT_CLIENT_ID: "bench-client", RETIREMENT_CLIENT_SECRET: "bench-secret" } };
}

export async function retirementFamily(h: Harness, count: number, opts: FamilyOptions): Promise<FamilyResult> {
  const userIds = await seedRetirementLearners(h, count, opts.tag);
  const { lms, env } = await localLms(opts.httpLatencyMs);
  try {
    return await retireThrough(h, userIds, opts, env);
  } finally {
    await lms.close();
  }
}

async function retireThrough(h: Harness, userIds: number[], opts: FamilyOptions, env: Record<string, string>): Promise<FamilyResult> {
  const count = userIds.length;
  return runFamily(
    h, QueueName.LearnerRetirement, count, opts, env,
    async (producer) => retireLearners(producer, { coolOffDays: 7, limit: count, abortAbove: count, dryRun: false, chunkSize: opts.retirementChunk }),
    async () => {
      const rows: Array<{ state_name: string; n: number }> = await h.ds.query(
        `SELECT r.state_name, COUNT(*) AS n FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id WHERE s.user_id IN (?) GROUP BY r.state_name`,
        [userIds],
      );
      const complete = Number(rows.find((r) => r.state_name === "COMPLETE")?.n ?? 0);
      return `${complete === count ? "ok" : "WRONG"}: ${rows.map((r) => `${r.state_name} ${r.n}`).join(", ")}`;
    },
  );
}
