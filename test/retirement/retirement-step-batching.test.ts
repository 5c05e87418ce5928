import { expect } from "chai";
import { createConnection, type Connection } from "mysql2/promise";
import { JobName, QueueName, jobIds } from "../../src/queues/registry";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { Harness } from "../support/harness";
import { expireJobLock } from "../support/job-locks";
import { waitFor } from "../support/wait";
import { DEFAULT_TRANSITIONS, RETIREMENT_ENV, capturedLogger, insertLearner, requestRetirements, responsesOf, stateOf, transitions } from "./retirement-fixtures";

/**
 * The engine runs consecutive database-only steps (here lock_account, retire_misc and unenroll) in one transaction
 * that records all their moves at its end. These tests prove that batching keeps the guarantees: all or nothing
 * after a SIGKILL inside the batch, and each move recorded exactly once after the re-run.
 */
describe("learner retirement: database-only steps batched in one transaction", function () {
  this.timeout(60000);
  let h: Harness;
  let held: Connection | undefined;
  let heldToo: Connection | undefined;
  afterEach(async () => {
    await held?.end().catch(() => undefined);
    await heldToo?.end().catch(() => undefined);
    held = heldToo = undefined;
    await h?.close();
  });

  /** Statements of this test's database waiting on the held enrollment rows (unenroll's locking read). */
  async function blockedOnEnrollments(): Promise<number> {
    const rows = await h.ds.query("SELECT INFO FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE 'SELECT id, user_id, course_id, created, is_active, mode FROM student_courseenrollment%'", [h.db.name]);
    return rows.length;
  }

  it("a worker SIGKILLed inside the third batched step leaves nothing of the first two; the re-run applies all three and records each move once", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const learner = await insertLearner(h);
    await requestRetirements(h, [learner.userId]);
    // unenroll (the third step of the batch) locks the learner's active enrollments: holding them stops the worker there.
    held = await createConnection({ uri: h.db.url });
    await held.query("START TRANSACTION");
    await held.query("SELECT id FROM student_courseenrollment WHERE user_id = ? AND is_active = 1 FOR UPDATE", [learner.userId]);
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);

    const child = spawnCli(["worker", "--queues", QueueName.LearnerRetirement], h.env({ LOG_LEVEL: "info" }));
    await waitFor("the child blocked inside unenroll", async () => (await blockedOnEnrollments()) === 1);
    // lock_account and retire_misc have run in the child's open transaction: none of it is visible or committed.
    expect(await stateOf(h.ds, learner.userId)).to.equal("PENDING");
    child.kill("SIGKILL");
    expect((await exitOf(child)).signal).to.equal("SIGKILL");
    await held.query("ROLLBACK");
    await waitFor("the dead worker's transaction rolled back", async () => (await blockedOnEnrollments()) === 0);

    expect(await stateOf(h.ds, learner.userId), "nothing of the batch committed").to.equal("PENDING");
    expect(transitions(await responsesOf(h.ds, learner.userId))).to.deep.equal([]);
    const [user] = await h.ds.query("SELECT is_active FROM auth_user WHERE id = ?", [learner.userId]);
    expect(Number(user.is_active), "lock_account rolled back").to.equal(1);
    const [names] = await h.ds.query("SELECT COUNT(*) AS n FROM student_pendingnamechange WHERE user_id = ?", [learner.userId]);
    expect(Number(names.n), "retire_misc rolled back").to.equal(1);

    await expireJobLock(h.prefix, learner.userId);
    const { logger } = capturedLogger();
    await h.worker({ queues: [QueueName.LearnerRetirement], logger });
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE", { timeoutMs: 30000 });

    expect(transitions(await responsesOf(h.ds, learner.userId)), "each move exactly once, in order").to.deep.equal(DEFAULT_TRANSITIONS);
    const [after] = await h.ds.query("SELECT is_active, username FROM auth_user WHERE id = ?", [learner.userId]);
    expect(Number(after.is_active)).to.equal(0);
    expect(after.username).to.match(/^retired__user_[0-9a-f]{40}$/);
    const [left] = await h.ds.query(
      `SELECT (SELECT COUNT(*) FROM student_pendingnamechange WHERE user_id = ?) AS names,
              (SELECT COUNT(*) FROM student_courseenrollment WHERE user_id = ? AND is_active = 1) AS active,
              (SELECT COUNT(*) FROM bulk_email_optout WHERE user_id = ?) AS optouts`,
      [learner.userId, learner.userId, learner.userId],
    );
    expect({ names: Number(left.names), active: Number(left.active), optouts: Number(left.optouts) }).to.deep.equal({ names: 0, active: 0, optouts: 3 });
  });

  it("many learners at once, more than the in-process pool's connections (concurrency 16): every one COMPLETE, none ERRORED, each move once", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const learners = [];
    for (let i = 0; i < 24; i++) learners.push(await insertLearner(h));
    const ids = learners.map((l) => l.userId);
    await requestRetirements(h, ids);
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);
    await h.worker({ queues: [QueueName.LearnerRetirement], concurrency: 16 });
    await waitFor("every learner in an end state", async () => {
      const [row] = await h.ds.query(
        "SELECT COUNT(*) AS n FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id WHERE s.user_id IN (?) AND r.is_dead_end_state = 1",
        [ids],
      );
      return Number(row.n) === ids.length;
    }, { timeoutMs: 45000 });
    for (const id of ids) {
      expect(await stateOf(h.ds, id), `user ${id}`).to.equal("COMPLETE");
      expect(transitions(await responsesOf(h.ds, id))).to.deep.equal(DEFAULT_TRANSITIONS);
    }
    const [optouts] = await h.ds.query("SELECT COUNT(*) AS n FROM bulk_email_optout WHERE user_id IN (?)", [ids]);
    expect(Number(optouts.n), "one opt-out per enrolled course (3 each)").to.equal(3 * ids.length);
  });

  it("learners reaching the same step together share one transaction; a poisoned one fails alone, its batch-mates COMPLETE with each move once", async () => {
    h = await Harness.create({ bucket: true, env: { ...RETIREMENT_ENV, JOB_ATTEMPTS: "2", JOB_BACKOFF_MS: "50" } });
    const gates = [await insertLearner(h)];
    const mates = [await insertLearner(h), await insertLearner(h), await insertLearner(h)];
    const poisoned = mates[1];
    await h.ds.query(
      `CREATE TRIGGER poisoned_learner BEFORE UPDATE ON auth_user FOR EACH ROW
       BEGIN IF NEW.id = ${Number(poisoned.userId)} AND NEW.is_active = 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned learner'; END IF; END`,
    );
    await requestRetirements(h, [...gates, ...mates].map((l) => l.userId));
    // A batch held in flight (one batch of a step runs at a time) by its learner's status row, locked here.
    held = await createConnection({ uri: h.db.url });
    await held.query("START TRANSACTION");
    await held.query("SELECT id FROM user_api_userretirementstatus WHERE user_id IN (?) FOR UPDATE", [gates.map((g) => g.userId)]);
    const { logger, text } = capturedLogger();
    const { ctx } = await h.worker({ queues: [QueueName.LearnerRetirement], logger, concurrency: 8 });
    const enqueue = (learners: typeof mates) => ctx.queues.addMany(learners.map((l) => ({ name: JobName.RetireLearner, data: { userId: l.userId }, jobId: jobIds.retireLearner(l.userId) })));
    await enqueue(gates);
    const waitingOnStatusRows = async () =>
      (await h.ds.query("SELECT INFO FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE 'SELECT user_id AS userId, current_state_id%FOR UPDATE'", [h.db.name])).length;
    await waitFor("the gate's batch blocked", async () => (await waitingOnStatusRows()) === 1);
    // The next three arrive while a batch of lock_account runs: they wait and form the next batch.
    await enqueue(mates);
    await waitFor("the three waiting for the running batch", async () => text().split("\n").filter((line) => line.includes("waiting for a running batch of the same step")).length === 3);
    await held.query("ROLLBACK");

    const all = [...gates, ...mates].map((l) => l.userId);
    await waitFor("every learner in an end state", async () => {
      const states = await Promise.all(all.map((id) => stateOf(h.ds, id)));
      return states.every((s) => s === "COMPLETE" || s === "ERRORED");
    }, { timeoutMs: 30000 });
    const batchFailures = text().split("\n").filter((line) => line.includes("a batched retirement transaction failed"));
    expect(batchFailures.map((line) => JSON.parse(line).learners), "the three shared one transaction, which the poisoned one failed").to.include(3);
    expect(await stateOf(h.ds, poisoned.userId)).to.equal("ERRORED");
    expect(await responsesOf(h.ds, poisoned.userId)).to.contain("poisoned learner");
    for (const l of [...gates, mates[0], mates[2]]) {
      expect(await stateOf(h.ds, l.userId), `user ${l.userId}`).to.equal("COMPLETE");
      expect(transitions(await responsesOf(h.ds, l.userId)), "each move exactly once, in order").to.deep.equal(DEFAULT_TRANSITIONS);
    }
    const [user] = await h.ds.query("SELECT is_active FROM auth_user WHERE id = ?", [poisoned.userId]);
    expect(Number(user.is_active), "nothing of the poisoned learner's step committed").to.equal(1);
  });

  it("a worker SIGKILLed inside a batch of three learners leaves nothing of theirs; the re-run retires each once", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const gate = await insertLearner(h);
    const mates = [await insertLearner(h), await insertLearner(h), await insertLearner(h)];
    const ids = mates.map((m) => m.userId);
    await requestRetirements(h, [gate.userId, ...ids]);
    // The gate's status row holds lock_account's first batch while the three arrive; the three's enrollments then
    // hold their batch inside unenroll, after lock_account and retire_misc ran for all three in its transaction.
    held = await createConnection({ uri: h.db.url });
    await held.query("START TRANSACTION");
    await held.query("SELECT id FROM user_api_userretirementstatus WHERE user_id = ? FOR UPDATE", [gate.userId]);
    heldToo = await createConnection({ uri: h.db.url });
    await heldToo.query("START TRANSACTION");
    await heldToo.query("SELECT id FROM student_courseenrollment WHERE user_id IN (?) AND is_active = 1 FOR UPDATE", [ids]);
    const producer = await h.context();
    const enqueue = (userIds: number[]) => producer.queues.addMany(userIds.map((userId) => ({ name: JobName.RetireLearner, data: { userId }, jobId: jobIds.retireLearner(userId) })));
    const child = spawnCli(["worker", "--queues", QueueName.LearnerRetirement, "--concurrency", "8"], h.env({ LOG_LEVEL: "debug" }));
    await enqueue([gate.userId]);
    const blocked = async (sql: string) => (await h.ds.query("SELECT INFO FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE ?", [h.db.name, sql])).length;
    await waitFor("the gate's batch blocked", async () => (await blocked("SELECT user_id AS userId, current_state_id%FOR UPDATE")) === 1);
    await enqueue(ids);
    await waitFor("the three waiting for the running batch", async () => child.output().split("\n").filter((l) => l.includes("waiting for a running batch of the same step")).length === 3);
    await held.query("ROLLBACK");
    await waitFor("the three's batch blocked inside unenroll", async () => (await blocked("SELECT id, user_id, course_id, created, is_active, mode FROM student_courseenrollment%")) === 1);
    child.kill("SIGKILL");
    expect((await exitOf(child)).signal).to.equal("SIGKILL");
    await heldToo.query("ROLLBACK");

    for (const id of ids) {
      expect(await stateOf(h.ds, id), `user ${id}: nothing of the batch committed`).to.equal("PENDING");
      const [user] = await h.ds.query("SELECT is_active FROM auth_user WHERE id = ?", [id]);
      expect(Number(user.is_active), "lock_account rolled back").to.equal(1);
      const [names] = await h.ds.query("SELECT COUNT(*) AS n FROM student_pendingnamechange WHERE user_id = ?", [id]);
      expect(Number(names.n), "retire_misc rolled back").to.equal(1);
    }
    for (const id of [gate.userId, ...ids]) await expireJobLock(h.prefix, id);
    await h.worker({ queues: [QueueName.LearnerRetirement], concurrency: 8 });
    for (const id of [gate.userId, ...ids]) await waitFor(`user ${id} COMPLETE`, async () => (await stateOf(h.ds, id)) === "COMPLETE", { timeoutMs: 30000 });
    for (const id of [gate.userId, ...ids]) {
      expect(transitions(await responsesOf(h.ds, id)), "each move exactly once, in order").to.deep.equal(DEFAULT_TRANSITIONS);
      const [optouts] = await h.ds.query("SELECT COUNT(*) AS n FROM bulk_email_optout WHERE user_id = ?", [id]);
      expect(Number(optouts.n), "one opt-out per enrolled course").to.equal(3);
    }
  });
});
