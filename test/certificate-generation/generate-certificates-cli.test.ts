import { expect } from "chai";
import { CertificateGenerationCommandConfiguration } from "../../src/entities/lms";
import { QueueName, jobIds } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { deletePrefix, dumpPrefix } from "../support/redis-keys";
import { insertCourse, insertLearner } from "./generation-fixtures";

describe("generate-certificates (producer CLI)", () => {
  let h: Harness;
  before(async () => {
    h = await Harness.create();
  });
  after(async () => {
    await h?.close();
  });

  /** Each test uses its own queue prefix, so queues never leak between tests. */
  let prefix = "";
  beforeEach(() => {
    prefix = `${h.prefix}-${Math.random().toString(36).slice(2, 8)}`;
  });
  afterEach(async () => {
    await deletePrefix(prefix);
  });
  const env = () => h.env({ QUEUE_PREFIX: prefix });
  const run = (...argv: string[]) => runCliInProcess(["generate-certificates", ...argv], env());
  async function queued(): Promise<Array<{ id: string; name: string; data: { userIds: number[]; courseKey: string }; attempts?: number }>> {
    const ctx = await h.context({ env: { QUEUE_PREFIX: prefix } });
    const jobs = await ctx.queues.queue(QueueName.CertificateGeneration).getJobs(["waiting", "delayed", "active"]);
    return jobs.map((j) => ({ id: j.id!, name: j.name, data: j.data, attempts: j.opts.attempts })).sort((a, b) => a.data.userIds[0] - b.data.userIds[0]);
  }
  /** Every learner of the queued chunks, in chunk order. */
  const queuedLearners = async () => (await queued()).flatMap((j) => j.data.userIds);
  async function storeArguments(rows: Array<{ enabled: boolean; arguments: string; changeDate: Date }>) {
    const repo = h.ds.getRepository(CertificateGenerationCommandConfiguration);
    for (const r of rows) await repo.insert({ ...r, changedById: null });
  }

  it("refuses, with upstream's wording, a missing user list, a missing course key and an invalid course key", async () => {
    const noUsers = await run("--course-key", "course-v1:edX+DemoX+Demo_Course");
    // upstream's CommandError exits 1; here a usage error exits 2 (with the usage line)
    expect([noUsers.code, noUsers.err.split("\n")[0]]).to.deep.equal([2, "openedx-workers generate-certificates: You must specify a list of users"]);
    const noKey = await run("--user-ids", "1", "2");
    expect(noKey.code).to.equal(2);
    expect(noKey.err).to.contain("You must specify a course-key");
    for (const bad of ["edX+DemoX+Run", "course-v1:edX+DemoX", "not a key", "course-v1:edX/DemoX/Run"]) {
      const invalid = await run("-u", "1", "-c", bad);
      expect([invalid.code, invalid.err.split("\n")[0]], bad).to.deep.equal([2, "openedx-workers generate-certificates: You must specify a valid course-key"]);
    }
    expect(await queued()).to.deep.equal([]);
  });

  it("refuses malformed user ids, naming them, and enqueues nothing", async () => {
    const course = await insertCourse(h.ds);
    for (const bad of ["abc", "-3", "1.5", "0"]) {
      const result = await run("--course-key", course, "--user-ids", "4", bad === "-3" ? "--user-ids=-3" : bad);
      expect(result.code, bad).to.equal(2);
      expect(result.err, bad).to.contain(`invalid user id "${bad}": ids are positive integers`);
    }
    const both = await run("--course-key", course, "--user-ids", "1", "--all-enrolled");
    expect([both.code, both.err.split("\n")[0]]).to.deep.equal([2, "openedx-workers generate-certificates: give only one of --user-ids and --all-enrolled"]);
    expect(await queued()).to.deep.equal([]);
  });

  it("enqueues the learners as one chunk job with a deterministic, ':'-free id and upstream's attempts; unknown users are skipped, warned and counted", async () => {
    const course = await insertCourse(h.ds);
    const a = await insertLearner(h.ds, course);
    const b = await insertLearner(h.ds, course);
    const result = await run("--course-key", course, "--user-ids", String(b), "999999", String(a), "999998");
    expect(result.code).to.equal(0);
    expect(result.err).to.contain("User 999999 could not be found");
    expect(result.err).to.contain("User 999998 could not be found");
    expect(result.out).to.contain(`Enqueued 1 certificate generation job(s) for 2 learner(s) in ${course}; 2 unknown user(s) skipped: 999999, 999998.`);
    const jobs = await queued();
    expect(jobs.map((j) => [j.id, j.name, j.data, j.attempts])).to.deep.equal([[jobIds.generateCertificates(course, [a, b]), "generate-certificates", { courseKey: course, userIds: [a, b] }, 3]]);
    expect(jobs[0].id).to.match(/^generate-certificates\.[^:]+\.[0-9a-f]{12}$/).and.satisfy((id: string) => id.startsWith(`generate-certificates.${encodeURIComponent(course)}.${a}-${b}.2.`));

    const again = await run("-c", course, "-u", String(a), String(b));
    expect(again.out).to.contain("Enqueued 0 certificate generation job(s) for 2 learner(s)").and.contain("1 job(s) already pending (2 learner(s))");
    expect(await queued()).to.have.length(1);
  });

  it("asking again while a chunk waits to retry some learners gives the learners it already did a job of their own", async () => {
    const course = await insertCourse(h.ds);
    const ids = [await insertLearner(h.ds, course), await insertLearner(h.ds, course), await insertLearner(h.ds, course)];
    await run("--course-key", course, "--user-ids", ...ids.map(String));
    const ctx = await h.context({ env: { QUEUE_PREFIX: prefix } });
    const queue = ctx.queues.queue(QueueName.CertificateGeneration);
    // What a partly failed attempt leaves: the chunk narrowed to the learner still to do.
    await (await queue.getJob(jobIds.generateCertificates(course, ids)))!.updateData({ courseKey: course, userIds: [ids[1]] });
    const again = await run("--course-key", course, "--user-ids", ...ids.map(String));
    expect(again.out).to.contain("1 job(s) already pending (3 learner(s))");
    const jobs = await queue.getJobs(["waiting"]);
    expect(jobs.map((j) => j.id).sort()).to.deep.equal([jobIds.generateCertificates(course, ids), jobIds.generateCertificate(ids[0], course), jobIds.generateCertificate(ids[2], course)].sort());
  });

  it("splits a large batch into chunks of up to 250 learners, ids ascending", async () => {
    const course = await insertCourse(h.ds);
    const ids: number[] = [];
    for (let i = 0; i < 260; i++) ids.push(await insertLearner(h.ds, course));
    const result = await run("--course-key", course, "--user-ids", ...[...ids].reverse().map(String));
    expect(result.out).to.contain(`Enqueued 2 certificate generation job(s) for 260 learner(s) in ${course}.`);
    const jobs = await queued();
    expect(jobs.map((j) => j.data.userIds.length)).to.deep.equal([250, 10]);
    expect(jobs.flatMap((j) => j.data.userIds)).to.deep.equal(ids);
  });

  it("Redis holds ids only: no username, email or profile name", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { profileName: "Secret Person Name" });
    const [row] = await h.ds.query(`SELECT username, email FROM auth_user WHERE id = ?`, [user]);
    await run("--course-key", course, "--user-ids", String(user));
    const dump = await dumpPrefix(prefix);
    expect(dump).to.contain(`\\"userIds\\":[${user}]`);
    for (const pii of [row.username, row.email, "Secret Person Name"]) expect(dump).not.to.contain(pii);
  });

  it("--all-enrolled streams every enrollment of the run (active or not) and shows progress", async () => {
    const course = await insertCourse(h.ds);
    const other = await insertCourse(h.ds);
    const ids = [await insertLearner(h.ds, course), await insertLearner(h.ds, course, { enrollmentActive: false, mode: "audit" }), await insertLearner(h.ds, course)];
    await insertLearner(h.ds, other);
    const result = await run("--course-key", course, "--all-enrolled");
    expect(result.code).to.equal(0);
    expect(result.err).to.contain("enqueued: 3/3");
    expect(await queuedLearners()).to.deep.equal(ids);
  });

  it("--dry-run enqueues nothing and reports each chunk's job and each learner's likely outcome", async () => {
    const course = await insertCourse(h.ds);
    const passing = await insertLearner(h.ds, course);
    const failing = await insertLearner(h.ds, course, { percent: 0.1, passed: false });
    const result = await run("--course-key", course, "--user-ids", String(passing), String(failing), "--dry-run");
    expect(result.code).to.equal(0);
    expect(result.out).to.contain(`[DRY RUN] would enqueue ${jobIds.generateCertificates(course, [passing, failing])} (2 learner(s))`);
    expect(result.out).to.contain(`[DRY RUN] learner ${passing}: now it would give downloadable (regular)`);
    expect(result.out).to.contain(`[DRY RUN] learner ${failing}: now it would give nothing: not-passing`);
    expect(result.out).to.contain(`[DRY RUN] 1 generation job(s) would be enqueued for 2 learner(s) in ${course}.`);
    expect(await queued()).to.deep.equal([]);
    const [{ n }] = await h.ds.query(`SELECT COUNT(*) AS n FROM certificates_generatedcertificate WHERE course_id = ?`, [course]);
    expect(Number(n)).to.equal(0);
  });

  it("--args-from-database uses the newest row and upstream's '-u … -c …' spelling; a disabled newest row is refused", async () => {
    const course = await insertCourse(h.ds);
    const a = await insertLearner(h.ds, course);
    const b = await insertLearner(h.ds, course);
    await storeArguments([
      { enabled: true, arguments: `-u 999 -c ${course}`, changeDate: new Date("2025-01-01T00:00:00Z") },
      { enabled: true, arguments: `-u ${a} ${b} -c ${course}`, changeDate: new Date("2025-02-01T00:00:00Z") },
    ]);
    const result = await run("--args-from-database");
    expect(result.code, result.err).to.equal(0);
    expect(await queuedLearners()).to.deep.equal([a, b]);

    await storeArguments([{ enabled: false, arguments: `-u ${a} -c ${course}`, changeDate: new Date("2025-03-01T00:00:00Z") }]);
    const disabled = await run("--args-from-database");
    expect([disabled.code, disabled.err]).to.deep.equal([1, "openedx-workers generate-certificates: CertificateGenerationCommandConfiguration is disabled, but --args-from-database was requested"]);
  });

  it("--args-from-database with stored arguments missing the course key gives upstream's error", async () => {
    await h.ds.query(`DELETE FROM certificates_certificategenerationcommandconfiguration`);
    await storeArguments([{ enabled: true, arguments: "--user 5 6", changeDate: new Date() }]);
    const result = await run("--args-from-database");
    expect([result.code, result.err.split("\n")[0]]).to.deep.equal([2, "openedx-workers generate-certificates: You must specify a course-key"]);
  });
});
