import { expect } from "chai";
import { createConnection, type Connection } from "mysql2/promise";
import { QueueName } from "../../src/queues/registry";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { Harness } from "../support/harness";
import { expireJobLock } from "../support/job-locks";
import { dumpPrefix } from "../support/redis-keys";
import { waitFor } from "../support/wait";
import {
  DEFAULT_TRANSITIONS,
  RETIREMENT_ENV,
  capturedLogger,
  insertLearner,
  requestRetirements,
  responsesOf,
  stateOf,
  transitions,
  type LearnerFixture,
} from "./retirement-fixtures";

/** The test holds the learner's profile row, which retire_lms must update: a worker blocks inside that step. */
async function holdProfileRow(h: Harness, userId: number): Promise<Connection> {
  const conn = await createConnection({ uri: h.db.url });
  await conn.query("START TRANSACTION");
  await conn.query("SELECT id FROM auth_userprofile WHERE user_id = ? FOR UPDATE", [userId]);
  return conn;
}

/** Statements of this test's database still executing (row-lock waits show up here; InnoDB's views are unreliable on MariaDB). */
async function runningStatements(h: Harness): Promise<string[]> {
  const rows = await h.ds.query("SELECT INFO FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND INFO NOT LIKE '%information_schema%'", [h.db.name]);
  return rows.map((r: { INFO: string }) => r.INFO.replace(/\s+/g, " "));
}

const blockedOnProfile = (statements: string[]) => statements.filter((s) => s.startsWith("UPDATE auth_userprofile")).length;
const blockedOnStatusRow = (statements: string[]) => statements.filter((s) => s.includes("user_api_userretirementstatus") && s.endsWith("FOR UPDATE")).length;

async function lockWaits(h: Harness): Promise<number> {
  const statements = await runningStatements(h);
  return blockedOnProfile(statements) + blockedOnStatusRow(statements);
}

async function purgeRecords(h: Harness, userId: number): Promise<number[]> {
  const rows = await h.ds.query("SELECT certificate_id FROM openedx_workers_pdf_certificate_purge WHERE user_id = ? ORDER BY id", [userId]);
  return rows.map((r: { certificate_id: number }) => r.certificate_id);
}

async function expectRetiredOnce(h: Harness, learner: LearnerFixture): Promise<void> {
  expect(transitions(await responsesOf(h.ds, learner.userId)), "each transition exactly once").to.deep.equal(DEFAULT_TRANSITIONS);
  expect(await purgeRecords(h, learner.userId), "the PDF purged exactly once").to.deep.equal([learner.certificateIds[0]]);
  expect(await h.bucket!.keys()).to.deep.equal([]);
  const [user] = await h.ds.query("SELECT username, first_name, is_active FROM auth_user WHERE id = ?", [learner.userId]);
  expect(user.username).to.match(/^retired__user_[0-9a-f]{40}$/);
  expect([user.first_name, Number(user.is_active)]).to.deep.equal(["", 0]);
  const [profile] = await h.ds.query("SELECT name, city FROM auth_userprofile WHERE user_id = ?", [learner.userId]);
  expect(profile).to.deep.equal({ name: "", city: null });
}

describe("learner retirement: crashes and concurrent workers", function () {
  this.timeout(60000);
  let h: Harness;
  let held: Connection | undefined;
  afterEach(async () => {
    await held?.end().catch(() => undefined);
    held = undefined;
    await h?.close();
  });

  it("a worker killed (SIGKILL) inside retire_lms: a second worker re-runs the step and finishes, each effect applied once", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const learner = await insertLearner(h, { pdf: true });
    await requestRetirements(h, [learner.userId]);
    held = await holdProfileRow(h, learner.userId);
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);

    const child = spawnCli(["worker", "--queues", QueueName.LearnerRetirement], h.env({ LOG_LEVEL: "info" }));
    // Mid-step: the child waits on the profile row inside the DB erasures; the PDF purge comes after them.
    await waitFor("the child blocked inside retire_lms", async () => (await stateOf(h.ds, learner.userId)) === "RETIRING_LMS" && (await lockWaits(h)) === 1);
    expect(await purgeRecords(h, learner.userId)).to.deep.equal([]);
    child.kill("SIGKILL");
    expect((await exitOf(child)).signal).to.equal("SIGKILL");
    const childLog = child.output();
    await held.query("ROLLBACK");
    await waitFor("the dead worker's transaction rolled back", async () => (await lockWaits(h)) === 0);
    expect(await stateOf(h.ds, learner.userId)).to.equal("RETIRING_LMS");

    await expireJobLock(h.prefix, learner.userId);
    const { logger, text } = capturedLogger();
    await h.worker({ queues: [QueueName.LearnerRetirement], logger });
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE", { timeoutMs: 30000 });

    await expectRetiredOnce(h, learner);
    expect(text()).to.contain("resuming a step the learner was left in");
    const redis = await dumpPrefix(h.prefix);
    for (const secret of learner.pii) {
      expect(childLog).not.to.contain(secret);
      expect(text()).not.to.contain(secret);
      expect(redis).not.to.contain(secret);
    }
  });

  it("a job re-delivered to a second worker while the first is still running it: the two never interleave, the second stops", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const learner = await insertLearner(h, { pdf: true });
    await requestRetirements(h, [learner.userId]);
    held = await holdProfileRow(h, learner.userId);
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);

    const first = capturedLogger();
    await h.worker({ queues: [QueueName.LearnerRetirement], logger: first.logger, concurrency: 1 });
    await waitFor("worker 1 blocked inside retire_lms", async () => (await stateOf(h.ds, learner.userId)) === "RETIRING_LMS" && (await lockWaits(h)) === 1);
    const before = await responsesOf(h.ds, learner.userId);

    // Worker 1 loses its job lock while alive (a stall); worker 2's stalled check hands it the same job.
    await expireJobLock(h.prefix, learner.userId);
    const second = capturedLogger();
    await h.worker({ queues: [QueueName.LearnerRetirement], logger: second.logger, concurrency: 1 });
    await waitFor("worker 2 waiting behind worker 1", async () => (await lockWaits(h)) === 2, { timeoutMs: 20000 });
    expect(await responsesOf(h.ds, learner.userId), "worker 2 changed nothing while worker 1 is in the step").to.equal(before);
    expect(await purgeRecords(h, learner.userId), "the PDF purge waits for the DB erasures").to.have.length(0);

    await held.query("ROLLBACK");
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE");
    await waitFor("worker 2 stopped", async () => second.text().includes("learner moved on under another worker"));
    await expectRetiredOnce(h, learner);
    expect(first.text()).to.contain("learner retired");
    expect(second.text()).not.to.contain("learner retired");
  });

  it("the worker command exits 2 for the retirement queue with public salts outside development mode", async () => {
    h = await Harness.create();
    const child = spawnCli(["worker", "--queues", QueueName.LearnerRetirement], h.env({ OPENEDX_WORKERS_DEVELOPMENT_MODE: "false" }));
    expect((await exitOf(child)).code).to.equal(2);
    expect(child.output()).to.contain("RETIRED_USER_SALTS: the newest salt is upstream's public default");
  });
});
