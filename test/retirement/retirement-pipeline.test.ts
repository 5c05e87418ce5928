import { expect } from "chai";
import { retiredEmailFor, retiredUsernameFor } from "../../src/domain/retirement/retired-identifiers";
import { QueueName } from "../../src/queues/registry";
import { silentLogger } from "../../src/logging/logger";
import { syncSchedules } from "../../src/workers/schedules";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
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

const FORMAT = { usernamePrefix: "retired__user_", emailPrefix: "retired__user_", emailDomain: "retired.invalid", salts: ["old-salt", "test-salt"] };

describe("learner retirement: a batch through the default pipeline", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => h?.close());

  it("takes every learner from PENDING to COMPLETE with each table's effects, each transition once, and no PII in logs or Redis", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const learners: LearnerFixture[] = [];
    for (let i = 0; i < 3; i++) learners.push(await insertLearner(h, { pdf: i !== 1 }));
    const bystander = await insertLearner(h);
    const ids = learners.map((l) => l.userId);
    await requestRetirements(h, ids);

    // request-retirement: PENDING rows with upstream's hashes, email swapped, unusable password
    for (const l of learners) {
      const [status] = await h.ds.query("SELECT * FROM user_api_userretirementstatus WHERE user_id = ?", [l.userId]);
      const [user] = await h.ds.query("SELECT username, email, password FROM auth_user WHERE id = ?", [l.userId]);
      expect(status.retired_username).to.equal(retiredUsernameFor(l.pii[0], FORMAT));
      expect(status.retired_email).to.equal(retiredEmailFor(l.originalEmail, FORMAT));
      expect(status.responses).to.equal("Created in state PENDING (step 1) by create_retirement");
      expect(user.email).to.equal(status.retired_email);
      expect(user.password).to.match(/^!/);
      expect(await h.ds.query("SELECT id FROM user_api_userretirementrequest WHERE user_id = ?", [l.userId])).to.have.length(1);
    }

    const { logger, text: logs } = capturedLogger();
    const enqueue = await runCliInProcess(["retire-learners"], h.env());
    expect(enqueue.code, enqueue.err).to.equal(0);
    expect(enqueue.out).to.contain("Enqueued 3 retirement job(s)");
    const again = await runCliInProcess(["retire-learners"], h.env());
    expect(again.out).to.contain("Enqueued 0 retirement job(s); 3 already queued or running");

    await h.worker({ queues: [QueueName.LearnerRetirement], logger });
    for (const id of ids) await waitFor(`user ${id} COMPLETE`, async () => (await stateOf(h.ds, id)) === "COMPLETE", { timeoutMs: 30000 });

    for (const l of learners) {
      const responses = await responsesOf(h.ds, l.userId);
      expect(transitions(responses)).to.deep.equal(DEFAULT_TRANSITIONS);
      expect(responses).to.contain('Ending: ENROLLMENTS_COMPLETE with response:\n["OrgX","OrgY","OrgZ"]');
      expect(responses).to.contain("Learner retirement complete.");

      const [user] = await h.ds.query("SELECT * FROM auth_user WHERE id = ?", [l.userId]);
      expect(user.username).to.equal(retiredUsernameFor(l.pii[0], FORMAT));
      expect(user.email).to.equal(retiredEmailFor(l.originalEmail, FORMAT));
      expect([user.first_name, user.last_name, Number(user.is_active)]).to.deep.equal(["", "", 0]);
      expect(user.password).to.match(/^!/);
      const [profile] = await h.ds.query("SELECT * FROM auth_userprofile WHERE user_id = ?", [l.userId]);
      expect(profile).to.include({ name: "", meta: "", location: "", year_of_birth: null, gender: null, mailing_address: null, city: null, country: null, bio: null, phone_number: null });
      expect(profile.goals, "upstream leaves goals alone").to.equal("analytical engines");
      const enrollments = await h.ds.query("SELECT is_active FROM student_courseenrollment WHERE user_id = ?", [l.userId]);
      expect(enrollments.map((e: { is_active: number }) => Number(e.is_active))).to.deep.equal([0, 0, 0]);
      const certs = await h.ds.query("SELECT name, download_url, download_uuid FROM certificates_generatedcertificate WHERE user_id = ?", [l.userId]);
      for (const c of certs) expect(c).to.deep.equal({ name: "", download_url: "", download_uuid: "" });
      const history = await h.ds.query("SELECT name FROM certificates_historicalgeneratedcertificate WHERE user_id = ?", [l.userId]);
      expect(history.map((r: { name: string }) => r.name)).to.deep.equal([""]);
      const [audit] = await h.ds.query("SELECT a.enrolled_email, a.reason FROM student_manualenrollmentaudit a JOIN student_courseenrollment e ON e.id = a.enrollment_id WHERE e.user_id = ?", [l.userId]);
      expect(audit).to.deep.equal({ enrolled_email: retiredEmailFor(l.originalEmail, FORMAT), reason: "" });
      for (const table of ["student_pendingnamechange", "student_pendingemailchange", "student_pendingsecondaryemailchange", "auth_accountrecovery", "user_api_userorgtag"]) {
        expect(await h.ds.query(`SELECT id FROM ${table} WHERE user_id = ?`, [l.userId]), table).to.have.length(0);
      }
      expect(await h.ds.query("SELECT sl.id FROM student_sociallink sl JOIN auth_userprofile p ON p.id = sl.user_profile_id WHERE p.user_id = ?", [l.userId])).to.have.length(0);
      expect(await h.ds.query("SELECT id FROM student_courseenrollmentallowed WHERE email = ?", [l.originalEmail])).to.have.length(0);
      expect(await h.ds.query("SELECT id FROM course_groups_unregisteredlearnercohortassignments WHERE email = ?", [l.originalEmail])).to.have.length(0);
      const purged = await h.ds.query("SELECT certificate_id FROM openedx_workers_pdf_certificate_purge WHERE user_id = ?", [l.userId]);
      expect(purged.map((p: { certificate_id: number }) => p.certificate_id)).to.deep.equal(l.pdfKeys.length ? [l.certificateIds[0]] : []);
    }
    expect(await h.bucket!.keys(), "every PDF file deleted").to.deep.equal([]);

    // the bystander, never requested, is untouched
    const [other] = await h.ds.query("SELECT username, is_active FROM auth_user WHERE id = ?", [bystander.userId]);
    expect(other).to.deep.equal({ username: bystander.pii[0], is_active: 1 });
    expect(await h.ds.query("SELECT is_active FROM student_courseenrollment WHERE user_id = ? AND is_active = 1", [bystander.userId])).to.have.length(2);

    // a second sweep finds nothing: COMPLETE learners are not picked again
    const after = await runCliInProcess(["retire-learners"], h.env());
    expect(after.out).to.contain("0 learner(s) eligible");

    const redis = await dumpPrefix(h.prefix);
    const logText = logs() + enqueue.out + enqueue.err;
    expect(logText).to.contain("learner retired");
    for (const l of [...learners, bystander]) {
      for (const secret of l.pii) {
        expect(redis, "Redis").not.to.contain(secret);
        expect(logText, "logs").not.to.contain(secret);
      }
    }
  });

  it("respects the cool-off, the batch limit and the abort threshold", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    const learners = [];
    for (let i = 0; i < 4; i++) learners.push(await insertLearner(h));
    await requestRetirements(h, learners.map((l) => l.userId));
    await h.ds.query("UPDATE user_api_userretirementstatus SET created = UTC_TIMESTAMP(6) - INTERVAL 2 DAY WHERE user_id = ?", [learners[3].userId]);

    const dry = await runCliInProcess(["retire-learners", "--dry-run", "--limit", "2"], h.env());
    expect(dry.code, dry.err).to.equal(0);
    expect(dry.out).to.contain("[DRY RUN] 3 learner(s) eligible in PENDING, LOCKING_COMPLETE, EMAIL_LISTS_COMPLETE, ENROLLMENTS_COMPLETE, LMS_COMPLETE; batch of 2.");
    expect(dry.out).to.contain(`user ${learners[0].userId} (PENDING)`).and.contain(`user ${learners[1].userId} (PENDING)`);
    expect(await dumpPrefix(h.prefix), "dry run enqueues nothing").to.equal("");

    const tooMany = await runCliInProcess(["retire-learners", "--abort-above", "2"], h.env());
    expect(tooMany.code).to.equal(1);
    expect(tooMany.err).to.contain("Too many learners to retire! Expected no more than 2, got 3.");
    expect(await dumpPrefix(h.prefix)).to.equal("");

    const shortCoolOff = await runCliInProcess(["retire-learners", "--cool-off-days", "1", "--dry-run"], h.env());
    expect(shortCoolOff.out).to.contain("4 learner(s) eligible");
    const badState = await runCliInProcess(["retire-learners", "--states", "NOPE"], h.env());
    expect(badState.code, "a usage error").to.equal(2);
    expect(badState.err).to.contain("unknown retirement state(s): NOPE");
  });

  it("runs retire-learners itself on RETIREMENT_SCHEDULE_CRON (a BullMQ job scheduler), and removes the schedule when unset", async () => {
    h = await Harness.create({ env: { ...RETIREMENT_ENV, RETIREMENT_SCHEDULE_CRON: "* * * * * *", STUCK_JOB_SWEEPER_CRON: "off" } });
    const learner = await insertLearner(h);
    await requestRetirements(h, [learner.userId]);
    const { ctx } = await h.worker({ queues: [QueueName.LearnerRetirement] });
    await syncSchedules(ctx.queues, [QueueName.LearnerRetirement], ctx.config, silentLogger());
    expect((await ctx.queues.queue(QueueName.LearnerRetirement).getJobSchedulers()).map((s) => s.key)).to.deep.equal(["retire-learners"]);
    await waitFor("COMPLETE without any CLI", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE");
    expect(transitions(await responsesOf(h.ds, learner.userId))).to.deep.equal(DEFAULT_TRANSITIONS);

    const off = await h.context({ env: { RETIREMENT_SCHEDULE_CRON: "" } });
    await syncSchedules(off.queues, [QueueName.LearnerRetirement], off.config, silentLogger());
    expect(await off.queues.queue(QueueName.LearnerRetirement).getJobSchedulers()).to.deep.equal([]);
  });
});
