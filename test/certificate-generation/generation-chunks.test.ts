import { expect } from "chai";
import type { Job } from "bullmq";
import type { AppContext } from "../../src/app/app-context";
import { generationChunkJobs } from "../../src/producers/certificate-generation.producer";
import { JobName, QueueName, jobIds } from "../../src/queues/registry";
import { OUTBOX_TABLE } from "../../src/services/event-bus/certificate-event-outbox";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";
import { certificateRow, insertCourse, insertLearner } from "./generation-fixtures";

/** A learner whose certificate row the database refuses to insert (a trigger), until the trigger is dropped. */
async function poison(h: Harness, userId: number): Promise<void> {
  await h.ds.query(
    `CREATE TRIGGER poisoned_learner BEFORE INSERT ON certificates_generatedcertificate FOR EACH ROW
     BEGIN IF NEW.user_id = ${Number(userId)} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned learner'; END IF; END`,
  );
}

async function learners(h: Harness, course: string, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(await insertLearner(h.ds, course));
  return ids;
}

const chunkJob = (ctx: AppContext, course: string, ids: number[]): Promise<Job | undefined> =>
  ctx.queues.queue(QueueName.CertificateGeneration).getJob(jobIds.generateCertificates(course, [...ids].sort((a, b) => a - b)));

/** Every '+'/'~' history row of the course's certificates, by user id. */
async function historyByUser(h: Harness, course: string): Promise<Map<number, string[]>> {
  const rows: Array<{ user_id: number; history_type: string }> = await h.ds.query(
    `SELECT user_id, history_type FROM certificates_historicalgeneratedcertificate WHERE course_id = ? ORDER BY history_id`,
    [course],
  );
  const map = new Map<number, string[]>();
  for (const r of rows) map.set(Number(r.user_id), [...(map.get(Number(r.user_id)) ?? []), r.history_type]);
  return map;
}

describe("certificate generation in chunk jobs (generate-certificates)", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("a chunk with one poisoned learner generates every other learner and, after its attempts, records that learner's failed task alone", async () => {
    h = await Harness.create({ env: { CERTIFICATE_GENERATION_RETRY_DELAY_MS: "50", CERTIFICATE_GENERATION_ATTEMPTS: "2" } });
    const course = await insertCourse(h.ds);
    const ids = await learners(h, course, 8);
    const poisoned = ids[5];
    await poison(h, poisoned);
    const { ctx } = await h.worker({ queues: [QueueName.CertificateGeneration] });
    const result = await runCliInProcess(["generate-certificates", "--course-key", course, "--all-enrolled"], h.env());
    expect(result.out).to.contain(`Enqueued 1 certificate generation job(s) for 8 learner(s) in ${course}.`);

    const job = await waitFor("the chunk to fail for good", async () => {
      const j = await chunkJob(ctx, course, ids);
      return j && (await j.getState()) === "failed" && j;
    });
    expect([job.name, job.attemptsMade, job.data]).to.deep.equal([JobName.GenerateCertificates, 2, { courseKey: course, userIds: [poisoned] }]);
    const tasks = await h.ds.query(`SELECT queue, task_name, task_id, kwargs, exc, attempts_made FROM openedx_workers_failed_task`);
    expect(tasks).to.have.length(1);
    expect(tasks[0]).to.deep.include({ queue: "certificate-generation", task_name: "generate-certificate", task_id: jobIds.generateCertificate(poisoned, course), attempts_made: 2 });
    expect(tasks[0].exc).to.contain("poisoned learner");
    expect(JSON.parse(tasks[0].kwargs)).to.deep.equal({ userId: poisoned, courseKey: course });
    expect(await certificateRow(h.ds, poisoned, course)).to.equal(undefined);
    const history = await historyByUser(h, course);
    for (const u of ids.filter((x) => x !== poisoned)) {
      expect(await certificateRow(h.ds, u, course), `learner ${u}`).to.deep.include({ status: "downloadable" });
      expect(history.get(u), `history of learner ${u}`).to.deep.equal(["+"]);
    }

    // The failed task is a single learner's: reapply-failed-generation runs it as a generate-certificate job.
    await h.ds.query(`DROP TRIGGER poisoned_learner`);
    const reapplied = await runCliInProcess(["reapply-failed-generation"], h.env());
    expect(reapplied.out).to.contain("1 failed generation job(s) re-enqueued");
    await waitFor("the reapplied learner's certificate", async () => (await certificateRow(h.ds, poisoned, course))?.status === "downloadable");
  });

  it("a transient failure of one learner retries that learner only: the job's data shrinks and the others are written once", async () => {
    h = await Harness.create({ env: { CERTIFICATE_GENERATION_RETRY_DELAY_MS: "300", CERTIFICATE_GENERATION_ATTEMPTS: "10" } });
    const course = await insertCourse(h.ds);
    const ids = await learners(h, course, 6);
    const flaky = ids[2];
    await poison(h, flaky);
    const { ctx } = await h.worker({ queues: [QueueName.CertificateGeneration] });
    await runCliInProcess(["generate-certificates", "--course-key", course, "--user-ids", ...ids.map(String)], h.env());

    await waitFor("the chunk to wait for its retry with the failed learner only", async () => {
      const j = await chunkJob(ctx, course, ids);
      return j && j.attemptsMade >= 1 && JSON.stringify(j.data.userIds) === JSON.stringify([flaky]);
    });
    await h.ds.query(`DROP TRIGGER poisoned_learner`);
    const job = await waitFor("the chunk to complete", async () => {
      const j = await chunkJob(ctx, course, ids);
      return j && (await j.getState()) === "completed" && j;
    });
    expect(job.attemptsMade).to.be.at.least(1);
    expect(job.returnvalue).to.deep.include({ status: "done", courseKey: course, generate: 1, refused: 0 });
    expect(job.returnvalue.learners, "the retry ran the failed learner alone").to.deep.equal([[flaky, "generate", "downloadable"]]);
    const history = await historyByUser(h, course);
    for (const u of ids) {
      expect(await certificateRow(h.ds, u, course), `learner ${u}`).to.deep.include({ status: "downloadable" });
      expect(history.get(u), `history of learner ${u}`).to.deep.equal(["+"]);
    }
    expect(await h.ds.query(`SELECT * FROM openedx_workers_failed_task`)).to.deep.equal([]);
  });

  it("a learner refused for good (not found) fails the chunk without retry and is recorded; a refused learner beside a transient one is recorded at once and not retried", async () => {
    h = await Harness.create({ env: { CERTIFICATE_GENERATION_RETRY_DELAY_MS: "50", CERTIFICATE_GENERATION_ATTEMPTS: "3" } });
    const course = await insertCourse(h.ds);
    const ids = await learners(h, course, 3);
    const ctx = await h.context();
    // Not in auth_user: the producer would skip it, so the chunk is added directly (a learner deleted after enqueue).
    const [request] = generationChunkJobs(course, [...ids, 888888], ctx.config.generation);
    await ctx.queues.addMany([request]);
    await h.worker({ queues: [QueueName.CertificateGeneration] });
    const job = await waitFor("the chunk to fail", async () => {
      const j = await chunkJob(ctx, course, [...ids, 888888]);
      return j && (await j.getState()) === "failed" && j;
    });
    expect([job.attemptsMade, job.data.userIds], "permanent: not retried").to.deep.equal([1, [888888]]);
    const tasks = await h.ds.query(`SELECT task_id, kwargs, exc FROM openedx_workers_failed_task`);
    expect(tasks).to.deep.equal([{ task_id: jobIds.generateCertificate(888888, course), kwargs: JSON.stringify({ userId: 888888, courseKey: course }), exc: "PermanentJobError: User 888888 could not be found" }]);
    for (const u of ids) expect(await certificateRow(h.ds, u, course), `learner ${u}`).to.deep.include({ status: "downloadable" });

    const course2 = await insertCourse(h.ds);
    const ids2 = await learners(h, course2, 3);
    await poison(h, ids2[0]);
    const [mixed] = generationChunkJobs(course2, [...ids2, 777777], ctx.config.generation);
    await ctx.queues.addMany([mixed]);
    const failed = await waitFor("the mixed chunk to fail for good", async () => {
      const j = await chunkJob(ctx, course2, [...ids2, 777777]);
      return j && (await j.getState()) === "failed" && j;
    });
    expect([failed.attemptsMade, failed.data.userIds], "only the transient learner retried").to.deep.equal([3, [ids2[0]]]);
    const rows: Array<{ task_id: string; attempts_made: number }> = await h.ds.query(`SELECT task_id, attempts_made FROM openedx_workers_failed_task WHERE kwargs LIKE ? ORDER BY id`, [`%${course2}%`]);
    expect(rows).to.deep.equal([{ task_id: jobIds.generateCertificate(777777, course2), attempts_made: 1 }, { task_id: jobIds.generateCertificate(ids2[0], course2), attempts_made: 3 }]);
  });

  it("the same chunk enqueued twice is one job", async () => {
    h = await Harness.create();
    const course = await insertCourse(h.ds);
    const ids = await learners(h, course, 3);
    const run = () => runCliInProcess(["generate-certificates", "--course-key", course, "--user-ids", String(ids[2]), String(ids[0]), String(ids[1])], h.env());
    expect((await run()).out).to.contain(`Enqueued 1 certificate generation job(s) for 3 learner(s) in ${course}.`);
    expect((await run()).out).to.contain(`Enqueued 0 certificate generation job(s) for 3 learner(s) in ${course}; 1 job(s) already pending (3 learner(s)).`);
    const ctx = await h.context();
    const jobs = await ctx.queues.queue(QueueName.CertificateGeneration).getJobs(["waiting", "delayed", "active"]);
    expect(jobs.map((j) => [j.id, j.name, j.data])).to.deep.equal([[jobIds.generateCertificates(course, [...ids].sort((a, b) => a - b)), JobName.GenerateCertificates, { courseKey: course, userIds: [...ids].sort((a, b) => a - b) }]]);
    expect(jobs[0].id).not.to.contain(":");
  });

  it("a chunk job run twice (re-delivered) writes nothing the second time", async () => {
    h = await Harness.create();
    const course = await insertCourse(h.ds);
    const ids = [...(await learners(h, course, 3)), await insertLearner(h.ds, course, { percent: 0.2, passed: false })];
    const { ctx } = await h.worker({ queues: [QueueName.CertificateGeneration] });
    await runCliInProcess(["generate-certificates", "--course-key", course, "--all-enrolled"], h.env());
    const completed = async (runs: number) => waitFor(`run ${runs} of the chunk to complete`, async () => {
      const j = await chunkJob(ctx, course, ids);
      return j && (await j.getState()) === "completed" && j.returnvalue && (runs === 1 || j.returnvalue.generate === 0) && j;
    });
    const first = await completed(1);
    expect(first.returnvalue).to.deep.include({ status: "done", generate: 3, refused: 1 });
    const snapshot = async () => ({
      certificates: await h.ds.query(`SELECT * FROM certificates_generatedcertificate WHERE course_id = ? ORDER BY user_id`, [course]),
      history: await h.ds.query(`SELECT COUNT(*) AS n FROM certificates_historicalgeneratedcertificate WHERE course_id = ?`, [course]),
      events: await h.ds.query(`SELECT COUNT(*) AS n FROM ${OUTBOX_TABLE} WHERE course_id = ?`, [course]),
    });
    const before = await snapshot();
    expect(before.certificates).to.have.length(3);

    await first.retry("completed");
    const second = await completed(2);
    expect(second.returnvalue).to.deep.include({ status: "skipped", generate: 0, revoke: 0, refused: 4 });
    expect(await snapshot()).to.deep.equal(before);
  });
});
