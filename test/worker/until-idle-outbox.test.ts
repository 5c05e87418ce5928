import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { Harness } from "../support/harness";
import { certificateRow } from "../certificate-generation/generation-fixtures";
import { busEnv, certificateOf, lifecycleStream, outboxRows, readStream } from "../event-bus/bus-support";
import { hex32, insertUser } from "../support/fixtures";
import { insertLmsRow } from "../support/lms-seed";

/**
 * A course run that generates (an overview with web certificates on) and a verified, passing learner in it, seeded
 * through lms-seed so that the rows are complete on edx-platform's own schema too (TEST_LMS_SCHEMA=real).
 */
async function insertCourse(h: Harness): Promise<string> {
  const key = `course-v1:OrgG+C${hex32().slice(0, 6)}+R1`;
  await insertLmsRow(h.ds, "course_overviews_courseoverview", { id: key, org: "OrgG", display_name: "A course", cert_html_view_enabled: 1, created: new Date(), modified: new Date() });
  return key;
}

async function insertLearner(h: Harness, courseKey: string): Promise<number> {
  const user = await insertUser(h.ds);
  await insertLmsRow(h.ds, "auth_userprofile", { user_id: user.id, name: `${user.firstName} ${user.lastName}` });
  await insertLmsRow(h.ds, "student_courseenrollment", { user_id: user.id, course_id: courseKey, mode: "verified", is_active: 1, created: new Date() });
  await insertLmsRow(h.ds, "grades_persistentcoursegrade", { user_id: user.id, course_id: courseKey, percent_grade: 0.87, letter_grade: "Pass", passed_timestamp: new Date() });
  return user.id;
}

/**
 * `worker --until-idle` from a cron job or a Kubernetes Job: with publishing on, it must not exit with certificate
 * events still in the outbox, and must not wait for the publish interval to send them.
 */
describe("worker --until-idle drains the certificate event outbox", function () {
  // Three CLI processes per test (each loads the CLI and checks the LMS schema at start): far above mocha's default.
  this.timeout(120_000);
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create();
  });
  afterEach(async () => {
    await h?.close();
  });

  // An interval far longer than the test may take: only an immediate drain can publish the events in time.
  const env = (extra: Record<string, string> = {}) =>
    h.env(busEnv(h.prefix, { EVENT_BUS_PUBLISH_INTERVAL_MS: "3600000", STUCK_JOB_SWEEPER_CRON: "off", ...extra }));

  /**
   * A previous run (yesterday's cron job) left the publish schedule in Redis: its next run is then an interval away,
   * not at once as for a schedule created now, which is where events used to be left behind.
   */
  async function previousRun(): Promise<void> {
    const child = spawnCli(["worker", "--queues", "certificate-events", "--until-idle"], env());
    expect((await exitOf(child, 60_000)).code, child.output()).to.equal(0);
  }

  async function generateForThree(): Promise<{ course: string; learners: number[] }> {
    await previousRun();
    const course = await insertCourse(h);
    const learners = [await insertLearner(h, course), await insertLearner(h, course), await insertLearner(h, course)];
    const produced = await runCliInProcess(["generate-certificates", "--course-key", course, "--user-ids", ...learners.map(String)], env());
    expect(produced.code, produced.err).to.equal(0);
    return { course, learners };
  }

  it("generates for 3 learners, then exits 0 with the outbox empty and their events on the stream", async () => {
    const { course, learners } = await generateForThree();

    const child = spawnCli(["worker", "--queues", "certificate-generation,certificate-events", "--until-idle"], env());
    const { code } = await exitOf(child, 60_000);
    expect(code, child.output()).to.equal(0);

    for (const learner of learners) expect((await certificateRow(h.ds, learner, course))?.status, `learner ${learner}`).to.equal("downloadable");
    expect(await outboxRows(h.ds)).to.deep.equal([]);
    const events = await readStream(lifecycleStream(h.prefix));
    const created = events.filter((e) => e.metadata.type === "org.openedx.learning.certificate.created.v1");
    expect(created.map((e) => certificateOf(e).user.id).sort((a, b) => a - b)).to.deep.equal([...learners].sort((a, b) => a - b));
    for (const e of created) {
      expect(certificateOf(e).course.course_key).to.equal(course);
      expect(certificateOf(e).current_status).to.equal("downloadable");
    }
    // What publishing writes by default is created and revoked only: nothing else reached the stream.
    expect(events).to.have.length(3);
  });

  it("exits 1 naming the rows left when the drain fails for good (the bus unreachable), and keeps the rows", async () => {
    await generateForThree();
    // A bus nobody listens on, and one attempt per job: the drain fails for good at once.
    const child = spawnCli(["worker", "--queues", "certificate-generation,certificate-events", "--until-idle"], env({
      EVENT_BUS_REDIS_CONNECTION_URL: "redis://127.0.0.1:1/0", JOB_ATTEMPTS: "1",
    }));
    const { code } = await exitOf(child, 60_000);
    expect(code, child.output()).to.equal(1);
    expect(child.output()).to.match(/3 row\(s\) are still waiting in openedx_workers_certificate_event_outbox: the job that drains them failed for good/);
    expect(child.output()).not.to.match(/^\s+at /m);
    expect(await outboxRows(h.ds)).to.have.length(3);
    const ctx = await h.context();
    expect(await ctx.queues.queue(QueueName.CertificateEvents).getJobCounts("failed")).to.deep.equal({ failed: 1 });
  });
});
