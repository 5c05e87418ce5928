import { expect } from "chai";
import IORedis from "ioredis";
import { createConnection, type Connection } from "mysql2/promise";
import { silentLogger } from "../../src/logging/logger";
import { JobName, QueueName, jobIds } from "../../src/queues/registry";
import { watchProgress } from "../../src/workers/progress-watchdog";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { insertPdfCertificate, rawRow } from "../support/fixtures";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { TcpGate } from "../support/tcp-gate";
import { waitFor } from "../support/wait";
import { RETIREMENT_ENV, insertLearner, requestRetirements, responsesOf, stateOf } from "../retirement/retirement-fixtures";

describe("worker: the job boundary (payload schemas, queue membership, stalls, hung calls)", function () {
  this.timeout(60000);
  let h: Harness;
  let gate: TcpGate | undefined;
  let held: Connection | undefined;
  afterEach(async () => {
    await held?.end().catch(() => undefined);
    held = undefined;
    await gate?.stop();
    gate = undefined;
    await h?.close();
  });

  it("fails malformed payloads and jobs on the wrong queue at their first attempt, with a reason, changing nothing", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.bucket!.put(keys);
    const learner = await insertLearner(h);
    await requestRetirements(h, [learner.userId]);
    const certBefore = await rawRow(h.ds, "certificates_generatedcertificate", certificate.id);
    const responsesBefore = await responsesOf(h.ds, learner.userId);
    const c = certificate.id;
    const u = learner.userId;

    const cases: Array<[QueueName, string, unknown, RegExp]> = [
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, { certificateId: `${c}abc` }, /^malformed purge-pdf-certificate payload: certificateId: .*expected number/],
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, { certificateId: `${c} OR 1=1` }, /certificateId: .*expected number/],
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, { certificateId: true }, /certificateId: .*expected number/],
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, { certificateId: [c] }, /certificateId: .*expected number/],
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, { certificateId: c + 0.5 }, /certificateId: .*int/i],
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, { certificateId: 2 ** 31 }, /certificateId: .*2147483647/],
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, { certificateId: 0 }, /certificateId: /],
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, { certificateId: c, username: "ada" }, /Unrecognized key/i],
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, {}, /certificateId: .*expected number/],
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, null, /payload: .*expected object/],
      [QueueName.LearnerRetirement, JobName.RetireLearner, { userId: [u] }, /^malformed retire-learner payload: userId: .*expected number/],
      [QueueName.LearnerRetirement, JobName.RetireLearner, { userId: String(u) }, /userId: .*expected number/],
      [QueueName.CertificatePurge, JobName.RetireLearner, { userId: u }, /^job "retire-learner" does not belong to queue certificate-purge \(it belongs to learner-retirement\)$/],
      [QueueName.LearnerRetirement, JobName.PurgePdfCertificate, { certificateId: c }, /does not belong to queue learner-retirement/],
      [QueueName.CertificateGeneration, JobName.GenerateCertificate, { userId: u, courseKey: "not a key" }, /courseKey: is not a course run key/],
      [QueueName.CertificateGeneration, JobName.GenerateCertificates, { userIds: [u, u], courseKey: "course-v1:A+B+C" }, /^malformed generate-certificates payload: userIds: has repeated ids$/],
      [QueueName.CertificateGeneration, JobName.GenerateCertificates, { userIds: [], courseKey: "course-v1:A+B+C" }, /userIds: /],
      [QueueName.CertificateGeneration, JobName.GenerateCertificates, { userIds: Array.from({ length: 251 }, (_, i) => i + 1), courseKey: "course-v1:A+B+C" }, /userIds: .*250/],
      [QueueName.CertificateGeneration, JobName.GenerateCertificates, { userIds: [u, 0], courseKey: "course-v1:A+B+C" }, /userIds\.1: /],
      [QueueName.CertificateGeneration, JobName.GenerateCertificates, { userIds: [u], courseKey: "course-v1:A+B+C", usernames: ["ada"] }, /Unrecognized key/i],
      [QueueName.CertificatePurge, "drop-everything", { certificateId: c }, /^unknown job name "drop-everything" on queue certificate-purge$/],
    ];
    await h.worker({ queues: [QueueName.CertificatePurge, QueueName.LearnerRetirement, QueueName.CertificateGeneration] });
    const ctx = await h.context();
    for (const [i, [queueName, name, data, reason]] of cases.entries()) {
      const queue = ctx.queues.queue(queueName);
      await queue.add(name, data, { jobId: `bad-${i}` });
      await waitFor(`case ${i} to fail`, async () => (await queue.getJobState(`bad-${i}`)) === "failed");
      const job = (await queue.getJob(`bad-${i}`))!;
      expect(job.attemptsMade, `case ${i}: no retry`).to.equal(1);
      expect(job.failedReason, `case ${i}`).to.match(reason);
    }
    expect(await rawRow(h.ds, "certificates_generatedcertificate", certificate.id)).to.deep.equal(certBefore);
    expect(await h.bucket!.keys()).to.deep.equal([...keys].sort());
    expect(await stateOf(h.ds, learner.userId)).to.equal("PENDING");
    expect(await responsesOf(h.ds, learner.userId)).to.equal(responsesBefore);
    const [{ n }] = await h.ds.query("SELECT COUNT(*) AS n FROM openedx_workers_pdf_certificate_purge");
    expect(Number(n)).to.equal(0);
  });

  it("a job that stalls past maxStalledCount leaves the learner ERRORED with the reason", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const learner = await insertLearner(h, { pdf: true });
    await requestRetirements(h, [learner.userId]);
    // Hold the learner's profile row so the first worker blocks inside retire_lms, then kill it there.
    held = await createConnection({ uri: h.db.url });
    await held.query("START TRANSACTION");
    await held.query("SELECT id FROM auth_userprofile WHERE user_id = ? FOR UPDATE", [learner.userId]);
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);
    const child = spawnCli(["worker", "--queues", QueueName.LearnerRetirement], h.env());
    await waitFor("the worker inside retire_lms", async () => (await stateOf(h.ds, learner.userId)) === "RETIRING_LMS", { timeoutMs: 30000 });
    child.kill("SIGKILL");
    await exitOf(child);
    await held.query("ROLLBACK");

    // Let the dead worker's lock lapse now rather than after lockDuration.
    const redis = new IORedis(services.redisUrl);
    const queueKey = `${h.prefix}:${QueueName.LearnerRetirement}`;
    await redis.del(`${queueKey}:${jobIds.retireLearner(learner.userId)}:lock`, `${queueKey}:stalled-check`);
    redis.disconnect();

    await h.worker({ queues: [QueueName.LearnerRetirement], workerOptions: { maxStalledCount: 0, stalledInterval: 300 } });
    await waitFor("ERRORED", async () => (await stateOf(h.ds, learner.userId)) === "ERRORED", { timeoutMs: 20000 });
    expect(await responsesOf(h.ds, learner.userId)).to.contain("Error in RETIRING_LMS: job stalled more than allowable limit");
    const ctx = await h.context();
    const job = await ctx.queues.queue(QueueName.LearnerRetirement).getJob(jobIds.retireLearner(learner.userId));
    expect(await job!.getState()).to.equal("failed");
  });

  it("a hung S3 call times out (S3_REQUEST_TIMEOUT_MS) and the job retries, then completes once S3 answers", async () => {
    h = await Harness.create({ bucket: true, env: { JOB_BACKOFF_MS: "200" } });
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.bucket!.put(keys);
    const rgw = new URL(services.s3Endpoint);
    gate = new TcpGate(rgw.hostname, Number(rgw.port));
    const endpoint = await gate.listen();
    gate.close();
    await h.worker({ queues: [QueueName.CertificatePurge], env: { S3_ENDPOINT: endpoint, S3_REQUEST_TIMEOUT_MS: "300" } });
    const ctx = await h.context();
    const queue = ctx.queues.queue(QueueName.CertificatePurge);
    const jobId = jobIds.purgePdfCertificate(certificate.id);
    await ctx.queues.add({ name: JobName.PurgePdfCertificate, data: { certificateId: certificate.id }, jobId });
    const failed = await waitFor("an attempt that timed out", async () => {
      const job = await queue.getJob(jobId);
      return job && job.attemptsMade >= 1 ? job : undefined;
    });
    expect(failed.failedReason).to.match(/S3 DeleteObjects .* failed: TimeoutError/);
    expect(await rawRow(h.ds, "certificates_generatedcertificate", certificate.id)).to.deep.include({ download_uuid: certificate.downloadUuid });

    gate.release();
    await waitFor("the retry to complete", async () => (await (await queue.getJob(jobId))?.getState()) === "completed", { timeoutMs: 30000 });
    expect(await h.bucket!.keys()).to.deep.equal([]);
    expect(await rawRow(h.ds, "certificates_generatedcertificate", certificate.id)).to.deep.include({ download_uuid: "", download_url: "" });
  });

  it("a database statement longer than DB_STATEMENT_TIMEOUT_MS is interrupted (a retryable failure), on every pooled connection", async () => {
    h = await Harness.create({ env: { DB_STATEMENT_TIMEOUT_MS: "300" } });
    const ctx = await h.context();
    const started = Date.now();
    const results = await Promise.allSettled([1, 2, 3].map(() => ctx.dataSource.query("SELECT SLEEP(3)")));
    expect(Date.now() - started).to.be.below(2500);
    for (const r of results) {
      expect(r.status).to.equal("rejected");
      expect(((r as PromiseRejectedResult).reason as Error).message).to.match(/max_statement_time exceeded/);
    }
  });

  it("the progress watchdog fires when no job is taken while jobs wait, and not for a paused queue", async () => {
    h = await Harness.create();
    const ctx = await h.context();
    const queue = ctx.queues.queue(QueueName.CertificatePurge);
    await ctx.queues.add({ name: JobName.PurgePdfCertificate, data: { certificateId: 1 }, jobId: jobIds.purgePdfCertificate(1) });
    const host = { progress: () => ({ lastTakenAt: Date.now() - 10_000, active: 0 }) };
    const run = (names: QueueName[]) =>
      new Promise<{ waiting: number } | undefined>((resolve) => {
        const stop = watchProgress({ host, queues: ctx.queues, names, stallMs: 200, logger: silentLogger(), onStuck: (d) => resolve(d) });
        setTimeout(() => {
          stop();
          resolve(undefined);
        }, 1500);
      });
    expect(await run([QueueName.CertificatePurge])).to.deep.include({ waiting: 1 });
    expect(await run([QueueName.LearnerRetirement]), "nothing waits there").to.equal(undefined);
    await queue.pause();
    expect(await run([QueueName.CertificatePurge]), "paused by an operator").to.equal(undefined);
  });
});
