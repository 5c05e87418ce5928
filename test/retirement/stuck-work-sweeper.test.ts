import { expect } from "chai";
import IORedis from "ioredis";
import { createConnection } from "mysql2/promise";
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
    const child = spawnCli(["worker", "--queues", QueueName.LearnerRetirement], h.env({ STUCK_JOB_SWEEPER_CRON: "" }));
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
    expect(await new StuckWorkSweeper(ctx).purges(30)).to.deep.equal({ stale: 2, reenqueued: 1 });
    expect(await ctx.queues.presentJobIds(QueueName.CertificatePurge, [jobIds.purgePdfCertificate(a.certificate.id)])).to.have.property("size", 1);

    const user = await insertUser(h.ds);
    const lostId = jobIds.generateCertificate(user.id, "course-v1:OrgX+Lost+2026");
    await h.ds.query(
      `INSERT INTO openedx_workers_failed_task (created, modified, queue, task_name, task_id, args, kwargs, exc, attempts_made)
       VALUES (UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, 'certificate-generation', 'generate-certificate', ?, '[]', ?, 'Error: job stalled more than allowable limit', 1)`,
      [lostId, JSON.stringify({ userId: user.id, courseKey: "course-v1:OrgX+Lost+2026" })],
    );
    expect(await new StuckWorkSweeper(ctx).generation(30)).to.deep.equal({ stale: 1, reenqueued: 1 });
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

  it("reads the certificate ids of upstream's stored purge arguments", () => {
    expect(certificateIdsOf("--certificate_ids 1 2  3 --dry-run")).to.deep.equal([1, 2, 3]);
    expect(certificateIdsOf("--dry-run --certificate-ids 7")).to.deep.equal([7]);
    expect(certificateIdsOf("")).to.deep.equal([]);
  });
});
