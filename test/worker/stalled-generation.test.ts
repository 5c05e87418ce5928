import { Worker, type ConnectionOptions } from "bullmq";
import { expect } from "chai";
import IORedis from "ioredis";
import { JobName, QueueName, jobIds } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { waitFor } from "../support/wait";
import { certificateRow, insertCourse, insertLearner } from "../certificate-generation/generation-fixtures";

/** A worker takes the next job and dies without a trace (no processor, no lock renewal): what a SIGKILL leaves. */
async function takeAndDie(h: Harness, jobId: string): Promise<void> {
  const dead = new Worker(QueueName.CertificateGeneration, undefined, {
    connection: { host: new URL(services.redisUrl).hostname, port: Number(new URL(services.redisUrl).port), maxRetriesPerRequest: null } as ConnectionOptions,
    prefix: h.prefix, autorun: false,
  });
  const taken = await dead.getNextJob("dead-worker-token");
  expect(taken?.id).to.equal(jobId);
  await dead.disconnect();
  // Its lock lapses now rather than after lockDuration (and the stalled-check throttle with it).
  const redis = new IORedis(services.redisUrl);
  const queueKey = `${h.prefix}:${QueueName.CertificateGeneration}`;
  await redis.del(`${queueKey}:${jobId}:lock`, `${queueKey}:stalled-check`);
  redis.disconnect();
}

describe("worker: a generation job that stalls for good", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("a chunk that stalls for good leaves one failed_task row per learner; retry-failed re-runs the chunk and resolves them", async () => {
    h = await Harness.create({ env: { CERTIFICATE_GENERATION_RETRY_DELAY_MS: "50" } });
    const course = await insertCourse(h.ds);
    const learners = [await insertLearner(h.ds, course), await insertLearner(h.ds, course)];
    const ctx = await h.context();
    const queue = ctx.queues.queue(QueueName.CertificateGeneration);
    const jobId = jobIds.generateCertificates(course, learners);
    await ctx.queues.add({ name: JobName.GenerateCertificates, data: { courseKey: course, userIds: learners }, jobId });
    await takeAndDie(h, jobId);

    await h.worker({ queues: [QueueName.CertificateGeneration], workerOptions: { maxStalledCount: 0, stalledInterval: 300 } });
    const tasks = await waitFor("a failed_task row per learner", async () => {
      const rows = await h.ds.query("SELECT task_name, task_id, kwargs, exc FROM openedx_workers_failed_task ORDER BY task_id");
      return rows.length === 2 && rows;
    }, { timeoutMs: 20000 });
    expect(tasks.map((t: { task_name: string; task_id: string; kwargs: string }) => [t.task_name, t.task_id, JSON.parse(t.kwargs)])).to.deep.equal(
      learners.map((u) => [JobName.GenerateCertificate, jobIds.generateCertificate(u, course), { userId: u, courseKey: course }]).sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    for (const t of tasks) expect(t.exc).to.match(/stalled more than allowable limit/);

    const retried = await runCliInProcess(["retry-failed", "--queues", QueueName.CertificateGeneration], h.env());
    expect(retried.code, retried.err).to.equal(0);
    expect(retried.out).to.contain("certificate-generation: 1 failed job(s) re-enqueued").and.contain("certificate-generation: 2 failed_task row(s) resolved");
    await waitFor("the re-run to complete", async () => (await (await queue.getJob(jobId))?.getState()) === "completed", { timeoutMs: 20000 });
    for (const u of learners) expect(await certificateRow(h.ds, u, course)).to.deep.include({ status: "downloadable" });
  });

  it("leaves a failed_task row with the reason; retry-failed re-runs it and resolves the row", async () => {
    h = await Harness.create({ env: { CERTIFICATE_GENERATION_RETRY_DELAY_MS: "50" } });
    const course = await insertCourse(h.ds);
    const userId = await insertLearner(h.ds, course);
    const ctx = await h.context();
    const queue = ctx.queues.queue(QueueName.CertificateGeneration);
    const jobId = jobIds.generateCertificate(userId, course);
    await ctx.queues.add({ name: JobName.GenerateCertificate, data: { userId, courseKey: course }, jobId });

    await takeAndDie(h, jobId);

    await h.worker({ queues: [QueueName.CertificateGeneration], workerOptions: { maxStalledCount: 0, stalledInterval: 300 } });
    const [task] = await waitFor("the failed_task row", async () => {
      const rows = await h.ds.query("SELECT * FROM openedx_workers_failed_task WHERE task_id = ?", [jobId]);
      return rows.length > 0 && rows;
    }, { timeoutMs: 20000 });
    expect(task).to.deep.include({ task_name: JobName.GenerateCertificate, queue: QueueName.CertificateGeneration, datetime_resolved: null });
    expect(task.exc).to.match(/stalled more than allowable limit/);
    expect(await (await queue.getJob(jobId))!.getState()).to.equal("failed");
    expect(await certificateRow(h.ds, userId, course), "nothing generated").to.equal(undefined);

    const retried = await runCliInProcess(["retry-failed", "--queues", QueueName.CertificateGeneration], h.env());
    expect(retried.code, retried.err).to.equal(0);
    expect(retried.out).to.contain("certificate-generation: 1 failed job(s) re-enqueued").and.contain("certificate-generation: 1 failed_task row(s) resolved");
    await waitFor("the re-run to complete", async () => (await (await queue.getJob(jobId))?.getState()) === "completed", { timeoutMs: 20000 });
    expect(await certificateRow(h.ds, userId, course)).to.deep.include({ status: "downloadable" });
    const [after] = await h.ds.query("SELECT datetime_resolved FROM openedx_workers_failed_task WHERE task_id = ?", [jobId]);
    expect(after.datetime_resolved, "resolved: reapply-failed-generation will not send it round again").not.to.equal(null);
    const reapply = await runCliInProcess(["reapply-failed-generation"], h.env());
    expect(reapply.code, reapply.err).to.equal(0);
    expect(await (await queue.getJob(jobId))!.getState(), "not re-enqueued by reapply").to.equal("completed");
  });
});
