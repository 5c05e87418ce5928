import { Job, UnrecoverableError, Worker } from "bullmq";
import { expect } from "chai";
import IORedis from "ioredis";
import { createConnection } from "mysql2/promise";
import type { AppContext } from "../../src/app/app-context";
import { loadConfig } from "../../src/config";
import { silentLogger } from "../../src/logging/logger";
import { StuckWorkSweeper, certificateIdsOf } from "../../src/producers/stuck-work.sweeper";
import { JobName, QueueName, jobIds } from "../../src/queues/registry";
import { syncSchedules } from "../../src/workers/schedules";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { insertPdfCertificate, insertUser } from "../support/fixtures";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { waitFor } from "../support/wait";
import { RETIREMENT_ENV, capturedLogger, insertLearner, requestRetirements, responsesOf, stateOf, transitions } from "./retirement-fixtures";

/** Removes every trace of a job from Redis, as a flush, an eviction or an operator's DEL would. */
async function deleteJobFromRedis(h: Harness, queue: QueueName, jobId: string): Promise<void> {
  const redis = new IORedis(services.redisUrl);
  try {
    const q = `${h.prefix}:${queue}`;
    for (const list of ["wait", "active", "paused"]) await redis.lrem(`${q}:${list}`, 0, jobId);
    for (const set of ["delayed", "prioritized", "completed", "failed"]) await redis.zrem(`${q}:${set}`, jobId);
    await redis.srem(`${q}:stalled`, jobId);
    await redis.del(`${q}:${jobId}`, `${q}:${jobId}:lock`, `${q}:${jobId}:logs`, `${q}:stalled-check`);
  } finally {
    redis.disconnect();
  }
}

/**
 * Puts a job of the queue into a final state the way a worker would, without running a processor: `completed`;
 * `refused` (an UnrecoverableError at its first attempt); `exhausted` (its last attempt failed); `stalled out`
 * (failed with BullMQ's stall counter past maxStalledCount, as its stalled-job check leaves it).
 */
async function finishJob(h: Harness, ctx: AppContext, queue: QueueName, jobId: string, how: "completed" | "refused" | "exhausted" | "stalled"): Promise<void> {
  const q = ctx.queues.queue(queue);
  const worker = new Worker(queue, null, { connection: { url: services.redisUrl }, prefix: h.prefix });
  const redis = new IORedis(services.redisUrl);
  try {
    const token = `test-${jobId}`;
    let job: Job | undefined;
    while ((job = await worker.getNextJob(token)) && job.id !== jobId) await job.moveToCompleted("other", token, false);
    if (!job) throw new Error(`job ${jobId} not waiting`);
    if (how === "completed") await job.moveToCompleted("done", token, false);
    else {
      if (how !== "refused") await redis.hset(`${h.prefix}:${queue}:${jobId}`, "opts", JSON.stringify({ ...job.opts, attempts: 1 }));
      if (how === "stalled") await redis.hset(`${h.prefix}:${queue}:${jobId}`, "stc", 4);
      const refreshed = (await Job.fromId(q, jobId)) ?? job;
      await refreshed.moveToFailed(how === "refused" ? new UnrecoverableError("refused") : new Error("gave up"), token, false);
    }
    expect(await (await Job.fromId(q, jobId))!.getState()).to.equal(how === "completed" ? "completed" : "failed");
  } finally {
    await worker.close();
    redis.disconnect();
  }
}

describe("stuck work: the sweepers", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => h?.close());

  it("a learner whose job is deleted from Redis mid-step (its worker killed) ends COMPLETE through the scheduled sweeper", async () => {
    h = await Harness.create({ bucket: true, env: { ...RETIREMENT_ENV, STUCK_JOB_SWEEPER_CRON: "* * * * * *", STUCK_JOB_AFTER_MINUTES: "0" } });
    const learner = await insertLearner(h, { pdf: true });
    await requestRetirements(h, [learner.userId]);
    // The test holds the profile row: the worker blocks inside retire_lms.
    const held = await createConnection({ uri: h.db.url });
    await held.query("START TRANSACTION");
    await held.query("SELECT id FROM auth_userprofile WHERE user_id = ? FOR UPDATE", [learner.userId]);
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);
    const child = spawnCli(["worker", "--queues", QueueName.LearnerRetirement], h.env({ STUCK_JOB_SWEEPER_CRON: "off" }));
    try {
      await waitFor("the worker inside retire_lms", async () => {
        if ((await stateOf(h.ds, learner.userId)) !== "RETIRING_LMS") return false;
        const rows = await h.ds.query("SELECT INFO FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'UPDATE auth_userprofile%'", [h.db.name]);
        return rows.length === 1;
      });
      child.kill("SIGKILL");
      await exitOf(child);
    } finally {
      await held.query("ROLLBACK");
      await held.end();
    }
    await deleteJobFromRedis(h, QueueName.LearnerRetirement, jobIds.retireLearner(learner.userId));
    const probe = await h.context();
    expect(await probe.queues.presentJobIds(QueueName.LearnerRetirement, [jobIds.retireLearner(learner.userId)])).to.have.property("size", 0);
    expect(await stateOf(h.ds, learner.userId), "stuck: no job, no worker").to.equal("RETIRING_LMS");

    const { logger, text } = capturedLogger();
    const { ctx } = await h.worker({ queues: [QueueName.LearnerRetirement], logger });
    await syncSchedules(ctx.queues, [QueueName.LearnerRetirement], ctx.config, silentLogger());
    await waitFor("COMPLETE through the sweeper", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE", { timeoutMs: 30000 });
    expect(transitions(await responsesOf(h.ds, learner.userId)).slice(-3)).to.deep.equal(["ENROLLMENTS_COMPLETE -> RETIRING_LMS", "RETIRING_LMS -> LMS_COMPLETE", "LMS_COMPLETE -> COMPLETE"]);
    expect(text()).to.match(/"message":"stuck-work sweep: learners".*"reenqueued":1/);
    expect(await h.bucket!.keys()).to.deep.equal([]);
  });

  it("leaves learners whose job is live, and learners changed within the threshold", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    const [live, recent, lost] = [await insertLearner(h), await insertLearner(h), await insertLearner(h)];
    await requestRetirements(h, [live.userId, recent.userId, lost.userId]);
    await h.ds.query(
      "UPDATE user_api_userretirementstatus SET current_state_id = (SELECT id FROM user_api_retirementstate WHERE state_name = 'LOCKING_COMPLETE'), modified = UTC_TIMESTAMP(6) - INTERVAL 2 HOUR WHERE user_id IN (?)",
      [[live.userId, lost.userId]],
    );
    await h.ds.query("UPDATE user_api_userretirementstatus SET current_state_id = (SELECT id FROM user_api_retirementstate WHERE state_name = 'RETIRING_ENROLLMENTS') WHERE user_id = ?", [recent.userId]);
    const ctx = await h.context();
    await ctx.queues.add({ name: JobName.RetireLearner, data: { userId: live.userId }, jobId: jobIds.retireLearner(live.userId) });

    const counts = await new StuckWorkSweeper(ctx).learners(30);
    expect(counts).to.deep.equal({ stale: 2, reenqueued: 1 });
    const waiting = (await ctx.queues.queue(QueueName.LearnerRetirement).getWaiting()).map((j) => j.id).sort();
    expect(waiting).to.deep.equal([jobIds.retireLearner(live.userId), jobIds.retireLearner(lost.userId)].sort());
  });

  it("re-enqueues a requested PDF purge and a failed generation whose jobs are gone from Redis, not those still in the queue", async () => {
    h = await Harness.create({ bucket: true });
    const ctx = await h.context();
    const a = await insertPdfCertificate(h.ds, h.bucket!.name);
    const b = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.ds.query("INSERT INTO certificates_purgereferencestopdfcertificatescommandconfigur95fa (change_date, enabled, arguments) VALUES (UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, 1, ?)", [`--certificate_ids ${a.certificate.id} ${b.certificate.id}`]);
    await ctx.queues.add({ name: JobName.PurgePdfCertificate, data: { certificateId: b.certificate.id }, jobId: jobIds.purgePdfCertificate(b.certificate.id) });
    expect(await new StuckWorkSweeper(ctx).purges(30)).to.deep.equal({ stale: 2, reenqueued: 1, refused: 0 });
    expect(await ctx.queues.presentJobIds(QueueName.CertificatePurge, [jobIds.purgePdfCertificate(a.certificate.id)])).to.have.property("size", 1);

    const user = await insertUser(h.ds);
    const lostId = jobIds.generateCertificate(user.id, "course-v1:OrgX+Lost+2026");
    await h.ds.query(
      `INSERT INTO openedx_workers_failed_task (created, modified, queue, task_name, task_id, args, kwargs, exc, attempts_made)
       VALUES (UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, 'certificate-generation', 'generate-certificate', ?, '[]', ?, 'Error: job stalled more than allowable limit', 1)`,
      [lostId, JSON.stringify({ userId: user.id, courseKey: "course-v1:OrgX+Lost+2026" })],
    );
    expect(await new StuckWorkSweeper(ctx).generation(30)).to.deep.equal({ stale: 1, reenqueued: 1, refused: 0, resolved: 0 });
    expect(await ctx.queues.presentJobIds(QueueName.CertificateGeneration, [lostId])).to.have.property("size", 1);
    expect(await h.ds.query("SELECT id FROM openedx_workers_failed_task WHERE datetime_resolved IS NULL")).to.deep.equal([]);
  });

  it("sweep-stuck-work runs the three sweeps once and prints their counts", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    const lost = await insertLearner(h);
    await requestRetirements(h, [lost.userId]);
    await h.ds.query(
      "UPDATE user_api_userretirementstatus SET current_state_id = (SELECT id FROM user_api_retirementstate WHERE state_name = 'RETIRING_ENROLLMENTS'), modified = UTC_TIMESTAMP(6) - INTERVAL 2 HOUR WHERE user_id = ?",
      [lost.userId],
    );
    const run = await runCliInProcess(["sweep-stuck-work", "--stuck-after-minutes", "60"], h.env());
    expect(run.code, run.err).to.equal(0);
    expect(run.out.split("\n")).to.deep.equal([
      "learners: 1 unfinished, 1 re-enqueued, 0 with a live job",
      "certificate generation: 0 unfinished, 0 re-enqueued, 0 with a live job",
      "PDF certificate purges: 0 unfinished, 0 re-enqueued, 0 with a live job",
    ]);
    const again = await runCliInProcess(["sweep-stuck-work", "--stuck-after-minutes", "60"], h.env());
    expect(again.out).to.contain("learners: 1 unfinished, 0 re-enqueued, 1 with a live job");
  });

  it("generation: reapplies failures whose job stalled out or used its attempts, resolves those completed since, leaves refused and live ones", async () => {
    h = await Harness.create();
    const ctx = await h.context();
    const user = await insertUser(h.ds);
    const course = (n: string) => `course-v1:OrgX+${n}+2026`;
    const cases = ["stalled", "exhausted", "refused", "completed", "live"] as const;
    for (const c of cases) {
      const jobId = jobIds.generateCertificate(user.id, course(c));
      await h.ds.query(
        `INSERT INTO openedx_workers_failed_task (created, modified, queue, task_name, task_id, args, kwargs, exc, attempts_made)
         VALUES (UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, 'certificate-generation', 'generate-certificate', ?, '[]', ?, 'Error: x', 1)`,
        [jobId, JSON.stringify({ userId: user.id, courseKey: course(c) })],
      );
      await ctx.queues.add({ name: JobName.GenerateCertificate, data: { userId: user.id, courseKey: course(c) }, jobId });
      if (c !== "live") await finishJob(h, ctx, QueueName.CertificateGeneration, jobId, c);
    }
    expect(await new StuckWorkSweeper(ctx).generation(30)).to.deep.equal({ stale: 5, reenqueued: 2, refused: 1, resolved: 1 });
    const queue = ctx.queues.queue(QueueName.CertificateGeneration);
    const state = async (c: string) => (await queue.getJob(jobIds.generateCertificate(user.id, course(c))))!.getState();
    expect([await state("stalled"), await state("exhausted"), await state("refused"), await state("completed")]).to.deep.equal(["waiting", "waiting", "failed", "completed"]);
    const unresolved = await h.ds.query("SELECT task_id FROM openedx_workers_failed_task WHERE datetime_resolved IS NULL ORDER BY task_id");
    expect(unresolved.map((r: { task_id: string }) => r.task_id).sort()).to.deep.equal([jobIds.generateCertificate(user.id, course("live")), jobIds.generateCertificate(user.id, course("refused"))].sort());
  });

  it("purges: re-enqueues certificates with links whose job stalled out, used its attempts or completed; leaves refused and live ones", async () => {
    h = await Harness.create({ bucket: true });
    const ctx = await h.context();
    const certs = [];
    for (let i = 0; i < 5; i++) certs.push((await insertPdfCertificate(h.ds, h.bucket!.name)).certificate.id);
    await h.ds.query("INSERT INTO certificates_purgereferencestopdfcertificatescommandconfigur95fa (change_date, enabled, arguments) VALUES (UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, 1, ?)", [`--certificate_ids ${certs.join(" ")}`]);
    const hows = ["stalled", "exhausted", "completed", "refused"] as const;
    for (const [i, how] of hows.entries()) {
      await ctx.queues.add({ name: JobName.PurgePdfCertificate, data: { certificateId: certs[i] }, jobId: jobIds.purgePdfCertificate(certs[i]) });
      await finishJob(h, ctx, QueueName.CertificatePurge, jobIds.purgePdfCertificate(certs[i]), how);
    }
    await ctx.queues.add({ name: JobName.PurgePdfCertificates, data: { certificateIds: [certs[4]] }, jobId: "purge-batch-live" });
    expect(await new StuckWorkSweeper(ctx).purges(30)).to.deep.equal({ stale: 5, reenqueued: 3, refused: 1 });
    const waiting = (await ctx.queues.queue(QueueName.CertificatePurge).getWaiting()).flatMap((j) => j.data.certificateIds ?? [j.data.certificateId]);
    expect(waiting.sort()).to.deep.equal([certs[0], certs[1], certs[2], certs[4]].sort());
  });

  it("is on by default, nightly, on every worker queue's sweeper; STUCK_JOB_SWEEPER_CRON=off removes it", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    const queues = [QueueName.LearnerRetirement, QueueName.CertificateGeneration, QueueName.CertificatePurge];
    const on = await h.context();
    expect(loadConfig(h.env()).erasure.sweeper.scheduleCron).to.equal("15 2 * * *");
    await syncSchedules(on.queues, queues, on.config, silentLogger());
    const schedulers = async (ctx: AppContext) => (await Promise.all(queues.map((q) => ctx.queues.queue(q).getJobSchedulers()))).flat().map((s) => `${s.key} ${s.pattern}`).sort();
    expect(await schedulers(on)).to.deep.equal(["sweep-stuck-generation 15 2 * * *", "sweep-stuck-learners 15 2 * * *", "sweep-stuck-purges 15 2 * * *"]);
    const off = await h.context({ env: { STUCK_JOB_SWEEPER_CRON: "off" } });
    await syncSchedules(off.queues, queues, off.config, silentLogger());
    expect(await schedulers(off)).to.deep.equal([]);
  });

  it("reads the certificate ids of upstream's stored purge arguments", () => {
    expect(certificateIdsOf("--certificate_ids 1 2  3 --dry-run")).to.deep.equal([1, 2, 3]);
    expect(certificateIdsOf("--dry-run --certificate-ids 7")).to.deep.equal([7]);
    expect(certificateIdsOf("")).to.deep.equal([]);
  });
});
