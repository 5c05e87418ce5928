import { expect } from "chai";
import { silentLogger } from "../../src/logging/logger";
import { QueueName, jobIds } from "../../src/queues/registry";
import { CertificateEventOutbox } from "../../src/services/event-bus/certificate-event-outbox";
import { CertificateGenerator } from "../../src/services/certificate-generation/certificate-generator";
import { enqueueGenerations, generationJobs } from "../../src/producers/certificate-generation.producer";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";
import { allowlist, certificateRow, historyRows, insertCertificate, insertCourse, insertLearner } from "./generation-fixtures";

/** A learner whose certificate row the database refuses to insert (a trigger): a write that fails for one learner only. */
async function poison(h: Harness, userId: number): Promise<void> {
  await h.ds.query(
    `CREATE TRIGGER poisoned_learner BEFORE INSERT ON certificates_generatedcertificate FOR EACH ROW
     BEGIN IF NEW.user_id = ${Number(userId)} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned learner'; END IF; END`,
  );
}

describe("certificate generation in batches", function () {
  this.timeout(60000);
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create({ env: { CERTIFICATE_GENERATION_RETRY_DELAY_MS: "50", CERTIFICATE_GENERATION_ATTEMPTS: "2" } });
  });
  afterEach(async () => {
    await h?.close();
  });
  const generator = () => new CertificateGenerator(h.ds, h.config().generation, silentLogger(), CertificateEventOutbox.off());

  it("decides every learner of a batch by the same rules, with set-based reads and one write transaction", async () => {
    const course = await insertCourse(h.ds);
    const fresh = await insertLearner(h.ds, course);
    const upgraded = await insertLearner(h.ds, course, { percent: 0.91 });
    const upgradedId = await insertCertificate(h.ds, upgraded, course, { status: "notpassing", mode: "honor" });
    const failing = await insertLearner(h.ds, course, { percent: 0.2, passed: false });
    const revoked = await insertLearner(h.ds, course, { percent: 0.2, passed: false });
    const revokedId = await insertCertificate(h.ds, revoked, course, { status: "unavailable" });
    const allowlisted = await insertLearner(h.ds, course, { percent: 0.2, passed: false, mode: "honor" });
    await allowlist(h.ds, allowlisted, course);
    const results = await generator().generateMany(course, [fresh, upgraded, failing, revoked, allowlisted, 999999]);

    expect(results.map((r) => ("outcome" in r ? r.outcome.decision.kind : r.error.message))).to.deep.equal(["generate", "generate", "refused", "revoke", "generate", "User 999999 could not be found"]);
    expect(await certificateRow(h.ds, fresh, course)).to.deep.include({ status: "downloadable", mode: "verified", grade: "0.87", name: `Ada Lovelace ${fresh}` });
    expect(await certificateRow(h.ds, upgraded, course)).to.deep.include({ id: upgradedId, status: "downloadable", mode: "verified", grade: "0.91" });
    expect(await certificateRow(h.ds, failing, course)).to.equal(undefined);
    expect(await certificateRow(h.ds, revoked, course)).to.deep.include({ id: revokedId, status: "notpassing", grade: "0.2" });
    expect(await certificateRow(h.ds, allowlisted, course)).to.deep.include({ status: "downloadable", mode: "honor" });
    const freshRow = (await certificateRow(h.ds, fresh, course))!;
    const history = await historyRows(h.ds, Number(freshRow.id));
    expect(history.map((r) => r.history_type)).to.deep.equal(["+"]);
    const { history_id, history_date, history_type, history_user_id, history_change_reason, ...copied } = history[0];
    expect(copied).to.deep.equal(freshRow);
    expect((await historyRows(h.ds, upgradedId)).map((r) => r.history_type)).to.deep.equal(["~"]);
    expect((await historyRows(h.ds, revokedId)).map((r) => r.history_type)).to.deep.equal(["~"]);

    const again = await generator().generateMany(course, [fresh, upgraded, revoked]);
    expect(again.map((r) => ("outcome" in r ? r.outcome.decision.kind : "error"))).to.deep.equal(["refused", "refused", "unchanged"]);
    expect((await historyRows(h.ds, Number(freshRow.id))).map((r) => r.history_type), "nothing rewritten").to.deep.equal(["+"]);
  });

  it("a batch with one poisoned learner returns that learner's error and generates the rest", async () => {
    const course = await insertCourse(h.ds);
    const learners: number[] = [];
    for (let i = 0; i < 5; i++) learners.push(await insertLearner(h.ds, course));
    await poison(h, learners[2]);
    const results = await generator().generateMany(course, learners);

    expect(results.map((r) => ("outcome" in r ? "ok" : r.error.message))).to.deep.equal(["ok", "ok", "poisoned learner", "ok", "ok"]);
    for (const [i, u] of learners.entries()) {
      const row = await certificateRow(h.ds, u, course);
      if (i === 2) expect(row).to.equal(undefined);
      else {
        expect(row, `learner ${u}`).to.deep.include({ status: "downloadable" });
        expect((await historyRows(h.ds, Number(row!.id))).map((r) => r.history_type), `history of learner ${u}`).to.deep.equal(["+"]);
      }
    }
  });

  it("single-learner jobs through the queue (as the event consumer and reapply enqueue them) share batches: the poisoned learner's job fails and is recorded as a failed task; every other learner's job completes", async () => {
    const course = await insertCourse(h.ds);
    const learners: number[] = [];
    for (let i = 0; i < 8; i++) learners.push(await insertLearner(h.ds, course));
    const poisoned = learners[5];
    await poison(h, poisoned);
    // Concurrency above the batch: the jobs run at the same moment and share batches.
    const { ctx } = await h.worker({ queues: [QueueName.CertificateGeneration], concurrency: 16 });
    await enqueueGenerations(ctx.queues, generationJobs(course, learners, ctx.config.generation));
    const queue = ctx.queues.queue(QueueName.CertificateGeneration);
    await waitFor("every job to finish", async () => {
      const c = await queue.getJobCounts("wait", "active", "delayed", "completed", "failed");
      return c.wait + c.active + c.delayed === 0 && c.completed + c.failed === learners.length;
    });

    expect(await queue.getJobCounts("completed", "failed")).to.deep.equal({ completed: 7, failed: 1 });
    const failed = await queue.getJob(jobIds.generateCertificate(poisoned, course));
    expect([await failed!.getState(), failed!.attemptsMade]).to.deep.equal(["failed", 2]);
    const tasks = await h.ds.query(`SELECT task_name, task_id, kwargs, exc FROM openedx_workers_failed_task`);
    expect(tasks).to.have.length(1);
    expect(tasks[0]).to.deep.include({ task_name: "generate-certificate", task_id: jobIds.generateCertificate(poisoned, course) });
    expect(tasks[0].exc).to.contain("poisoned learner");
    expect(JSON.parse(tasks[0].kwargs)).to.deep.equal({ userId: poisoned, courseKey: course });
    for (const u of learners.filter((x) => x !== poisoned)) expect(await certificateRow(h.ds, u, course), `learner ${u}`).to.deep.include({ status: "downloadable" });
    expect(await certificateRow(h.ds, poisoned, course)).to.equal(undefined);
  });
});
