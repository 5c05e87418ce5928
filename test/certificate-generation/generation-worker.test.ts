import { expect } from "chai";
import type { AppContext } from "../../src/app/app-context";
import { CertificateGenerationCommandConfiguration } from "../../src/entities/lms";
import { silentLogger } from "../../src/logging/logger";
import { QueueName, jobIds } from "../../src/queues/registry";
import { CertificateGenerator } from "../../src/services/certificate-generation/certificate-generator";
import { syncSchedules } from "../../src/workers/schedules";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";
import { certificateRow, historyRows, insertCourse, insertLearner } from "./generation-fixtures";
import { insertLmsRow } from "../support/lms-seed";

const QUEUES = [QueueName.CertificateGeneration];

describe("certificate generation through the queue", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create({ env: { CERTIFICATE_GENERATION_RETRY_DELAY_MS: "50" } });
  });
  afterEach(async () => {
    await h?.close();
  });

  const cli = (...argv: string[]) => runCliInProcess(argv, h.env());
  /** Resolves once nothing is waiting or running and at least `n` jobs have finished. */
  async function settled(ctx: AppContext, n: number) {
    const queue = ctx.queues.queue(QueueName.CertificateGeneration);
    return waitFor(`${n} generation jobs to finish`, async () => {
      const c = await queue.getJobCounts("wait", "active", "delayed", "prioritized", "completed", "failed");
      return c.wait + c.active + c.delayed + c.prioritized === 0 && c.completed + c.failed >= n && c;
    });
  }
  const rowsOf = (course: string) => h.ds.query(`SELECT * FROM certificates_generatedcertificate WHERE course_id = ? ORDER BY user_id`, [course]);

  it("a batch with unknown users and a poisoned job completes the rest; the poisoned job is kept as a failed task", async () => {
    const course = await insertCourse(h.ds);
    const ok1 = await insertLearner(h.ds, course);
    const poisoned = await insertLearner(h.ds, course);
    const ok2 = await insertLearner(h.ds, course, { mode: "honor", percent: 0.75 });
    const result = await cli("generate-certificates", "--course-key", course, "--user-ids", String(ok1), String(poisoned), "424242", String(ok2));
    expect(result.code).to.equal(0);
    expect(result.err).to.contain("User 424242 could not be found");
    // The learner disappears between enqueue and processing.
    for (const table of ["auth_userprofile", "student_courseenrollment", "grades_persistentcoursegrade"]) await h.ds.query(`DELETE FROM ${table} WHERE user_id = ?`, [poisoned]);
    await h.ds.query(`DELETE FROM auth_user WHERE id = ?`, [poisoned]);

    const { ctx } = await h.worker({ queues: QUEUES });
    // One chunk job for the three known learners: it fails (for the vanished one alone) once the others are written.
    const counts = await settled(ctx, 1);
    expect(counts).to.include({ completed: 0, failed: 1 });
    expect(await certificateRow(h.ds, ok1, course)).to.deep.include({ status: "downloadable", mode: "verified" });
    expect(await certificateRow(h.ds, ok2, course)).to.deep.include({ status: "downloadable", mode: "honor", grade: "0.75" });
    expect(await certificateRow(h.ds, poisoned, course)).to.equal(undefined);

    const failed = await ctx.queues.queue(QueueName.CertificateGeneration).getJob(jobIds.generateCertificates(course, [ok1, poisoned, ok2]));
    expect([failed!.attemptsMade, failed!.data.userIds], "permanent: not retried").to.deep.equal([1, [poisoned]]);
    const tasks = await h.ds.query(`SELECT * FROM openedx_workers_failed_task`);
    expect(tasks).to.have.length(1);
    expect(tasks[0]).to.deep.include({
      task_name: "generate-certificate", task_id: jobIds.generateCertificate(poisoned, course), queue: "certificate-generation", args: "[]",
      exc: `PermanentJobError: User ${poisoned} could not be found`, datetime_resolved: null,
    });
    expect(JSON.parse(tasks[0].kwargs)).to.deep.equal({ userId: poisoned, courseKey: course });
  });

  it("rerunning a batch yields identical rows and keeps verify_uuid", async () => {
    const course = await insertCourse(h.ds);
    const learners = [await insertLearner(h.ds, course), await insertLearner(h.ds, course, { percent: 0.2, passed: false }), await insertLearner(h.ds, course, { mode: "audit" })];
    const { ctx } = await h.worker({ queues: QUEUES });
    await cli("generate-certificates", "--course-key", course, "--all-enrolled");
    await settled(ctx, 1);
    const first = await rowsOf(course);
    expect(first).to.have.length(1);
    expect(first[0]).to.deep.include({ user_id: learners[0], status: "downloadable" });

    const again = await cli("generate-certificates", "--course-key", course, "--all-enrolled");
    expect(again.out, "finished jobs are run again, not ignored").to.contain("Enqueued 1 certificate generation job(s) for 3 learner(s)");
    await settled(ctx, 1);
    const queue = ctx.queues.queue(QueueName.CertificateGeneration);
    const job = await queue.getJob(jobIds.generateCertificates(course, learners));
    expect(job!.returnvalue.learners).to.deep.include([learners[0], "refused", "already-downloadable"]);
    expect(await rowsOf(course)).to.deep.equal(first);
    expect(await historyRows(h.ds, first[0].id)).to.have.length(1);
  });

  it("two workers on the same (learner, course) leave exactly one row and one creation history row", async () => {
    const course = await insertCourse(h.ds);
    const learners: number[] = [];
    for (let i = 0; i < 12; i++) learners.push(await insertLearner(h.ds, course));
    // Two processes' worth of connection pools, each running the processor for every learner at the same time.
    const [a, b] = [await h.context(), await h.context()];
    const generators = [a, b, a, b].map((c) => new CertificateGenerator(c.dataSource, c.config.generation, silentLogger(), c.certificateEvents));
    await Promise.all(learners.flatMap((u) => generators.map((g) => g.generate(u, course))));
    const rows = await rowsOf(course);
    expect(rows.map((r: { user_id: number }) => r.user_id)).to.deep.equal(learners);
    for (const row of rows) {
      expect(row.status).to.equal("downloadable");
      const types = (await historyRows(h.ds, row.id)).map((r) => r.history_type);
      expect(types, `history of ${row.id}`).to.deep.equal(["+"]);
    }
  });

  it("the scheduler runs the database-configured batch (cert_generation --args-from-database) with nobody at a shell", async () => {
    const course = await insertCourse(h.ds);
    const a = await insertLearner(h.ds, course);
    const b = await insertLearner(h.ds, course, { percent: 0.2, passed: false });
    await h.ds.getRepository(CertificateGenerationCommandConfiguration).insert({ enabled: true, arguments: `-u ${a} ${b} 777777 -c ${course}`, changeDate: new Date(), changedById: null });

    // The nightly sweeper off: the count of job schedulers below is the batch's alone.
    const { ctx } = await h.worker({ queues: QUEUES, env: { CERTIFICATE_GENERATION_CRON: "* * * * * *", STUCK_JOB_SWEEPER_CRON: "off" } });
    await syncSchedules(ctx.queues, QUEUES, ctx.config, silentLogger());
    await waitFor("the scheduled batch to generate a's certificate", async () => (await certificateRow(h.ds, a, course))?.status === "downloadable");
    expect(await certificateRow(h.ds, b, course)).to.equal(undefined);
    const queue = ctx.queues.queue(QueueName.CertificateGeneration);
    const fanOut = (await queue.getJobs(["completed"])).find((j) => j.name === "generate-certificates-from-database");
    expect(fanOut!.returnvalue).to.deep.include({ status: "done", courseKey: course, learners: 2, unknownUsers: 1 });

    // A disabled newest row turns the scheduled run into a no-op, not a failure.
    await h.ds.getRepository(CertificateGenerationCommandConfiguration).insert({ enabled: false, arguments: "", changeDate: new Date(Date.now() + 1000), changedById: null });
    await waitFor("a scheduled run skipped as disabled", async () => (await queue.getJobs(["completed"])).some((j) => j.name === "generate-certificates-from-database" && j.returnvalue?.reason === "disabled"));
    await syncSchedules(ctx.queues, QUEUES, { ...ctx.config, generation: { ...ctx.config.generation, batchCron: undefined } }, silentLogger());
    expect(await queue.getJobSchedulersCount()).to.equal(0);
  });

  it("reapply-failed-generation re-enqueues unresolved failures under their id, marks them resolved, and the job then succeeds", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course);
    // A job that fails for good: the learner vanishes between enqueue and processing, and comes back later.
    await cli("generate-certificates", "--course-key", course, "--user-ids", String(user));
    const [saved] = await h.ds.query(`SELECT * FROM auth_user WHERE id = ?`, [user]);
    const [profile] = await h.ds.query(`SELECT name FROM auth_userprofile WHERE user_id = ?`, [user]);
    for (const table of ["auth_userprofile", "student_courseenrollment", "grades_persistentcoursegrade"]) await h.ds.query(`DELETE FROM ${table} WHERE user_id = ?`, [user]);
    await h.ds.query(`DELETE FROM auth_user WHERE id = ?`, [user]);
    const { ctx } = await h.worker({ queues: QUEUES });
    await settled(ctx, 1);
    expect(await h.ds.query(`SELECT * FROM openedx_workers_failed_task WHERE datetime_resolved IS NULL`)).to.have.length(1);
    expect(await certificateRow(h.ds, user, course)).to.equal(undefined);

    await insertLmsRow(h.ds, "auth_user", saved);
    await insertLmsRow(h.ds, "auth_userprofile", { user_id: user, name: profile.name });
    await insertLmsRow(h.ds, "student_courseenrollment", { user_id: user, course_id: course, mode: "verified" });
    await insertLmsRow(h.ds, "grades_persistentcoursegrade", { user_id: user, course_id: course, percent_grade: 0.9, letter_grade: "Pass" });

    const dry = await cli("reapply-failed-generation", "--dry-run");
    expect(dry.out).to.contain(`[DRY RUN] would re-enqueue ${jobIds.generateCertificate(user, course)}`);
    expect((await h.ds.query(`SELECT * FROM openedx_workers_failed_task WHERE datetime_resolved IS NULL`))).to.have.length(1);

    const result = await cli("reapply-failed-generation");
    expect(result.code, result.err).to.equal(0);
    expect(result.out).to.contain("1 failed generation job(s) re-enqueued");
    const [task] = await h.ds.query(`SELECT * FROM openedx_workers_failed_task`);
    expect(task.datetime_resolved).to.be.instanceOf(Date);
    await waitFor("the reapplied job to generate the certificate", async () => (await certificateRow(h.ds, user, course))?.status === "downloadable");
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ grade: "0.9", status: "downloadable" });

    const nothing = await cli("reapply-failed-generation");
    expect(nothing.out).to.contain("0 failed generation job(s) re-enqueued");
  });
  it("a scheduled fan-out that failed for good (bad stored arguments) is recorded and can be reapplied once fixed", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course);
    const repo = h.ds.getRepository(CertificateGenerationCommandConfiguration);
    await repo.insert({ enabled: true, arguments: `-u ${user} -c not-a-key`, changeDate: new Date("2025-01-01T00:00:00Z"), changedById: null });
    const { ctx } = await h.worker({ queues: QUEUES, env: { CERTIFICATE_GENERATION_CRON: "* * * * * *" } });
    await syncSchedules(ctx.queues, QUEUES, ctx.config, silentLogger());
    const [task] = await waitFor("the failed fan-out to be recorded", async () => {
      const rows = await h.ds.query(`SELECT * FROM openedx_workers_failed_task WHERE task_name = 'generate-certificates-from-database'`);
      return rows.length > 0 && rows;
    });
    expect(task.exc).to.equal("PermanentJobError: stored cert_generation arguments: You must specify a valid course-key");
    await syncSchedules(ctx.queues, QUEUES, { ...ctx.config, generation: { ...ctx.config.generation, batchCron: undefined } }, silentLogger());

    await repo.insert({ enabled: true, arguments: `-u ${user} -c ${course}`, changeDate: new Date("2025-02-01T00:00:00Z"), changedById: null });
    const result = await cli("reapply-failed-generation", "--task-ids", task.task_id);
    expect(result.code, result.err).to.equal(0);
    await waitFor("the reapplied fan-out to generate the certificate", async () => (await certificateRow(h.ds, user, course))?.status === "downloadable");
  });
});
