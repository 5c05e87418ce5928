import { expect } from "chai";
import { retiredEmailFor, retiredExternalKeyFor, retiredUsernameFor } from "../../src/domain/retirement/retired-identifiers";
import { checkLmsSchemaAtStart } from "../../src/workers/lms-schema-check";
import { QueueName } from "../../src/queues/registry";
import { LMS_ERASURES } from "../../src/services/retirement/lms-erasures";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";
import { IMAGE_SEED, IMAGE_SIZES, seedErasureRows, type ErasureRows } from "./erasure-fixtures";
import { RETIREMENT_ENV, capturedLogger, insertLearner, requestRetirements, responsesOf, stateOf, type LearnerFixture } from "./retirement-fixtures";
import { insertLmsRow, withoutForeignKeyChecks } from "../support/lms-seed";

const SALTS = ["old-salt", "test-salt"];
const FORMAT = { usernamePrefix: "retired__user_", emailPrefix: "retired__user_", emailDomain: "retired.invalid", salts: SALTS };

/**
 * One learner (with a row in every erasure table and profile image files) retired through the default pipeline,
 * next to a bystander with the same rows who is never retired; then one test per upstream erasure.
 */
describe("learner retirement: every upstream LMS erasure", function () {
  this.timeout(60000);
  let h: Harness;
  let learner: LearnerFixture;
  let rows: ErasureRows;
  let bystander: ErasureRows;
  let retiredUsername: string;
  let retiredEmail: string;
  const one = async (sql: string, params: unknown[] = []) => (await h.ds.query(sql, params))[0];

  before(async () => {
    h = await Harness.create({ bucket: true, env: { ...RETIREMENT_ENV, PROFILE_IMAGE_HASH_SEED: IMAGE_SEED } });
    learner = await insertLearner(h);
    const other = await insertLearner(h);
    rows = await seedErasureRows(h.ds, learner);
    bystander = await seedErasureRows(h.ds, other);
    await h.bucket!.put([...rows.profileImageKeys, ...bystander.profileImageKeys]);
    retiredUsername = retiredUsernameFor(rows.username, FORMAT);
    retiredEmail = retiredEmailFor(rows.email, FORMAT);
    await requestRetirements(h, [learner.userId]);
    expect((await runCliInProcess(["retire-learners"], h.env({ PROFILE_IMAGE_BUCKET: h.bucket!.name }))).code).to.equal(0);
    await h.worker({ queues: [QueueName.LearnerRetirement], env: { PROFILE_IMAGE_BUCKET: h.bucket!.name } });
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE", { timeoutMs: 30000 });
  });
  after(async () => h?.close());

  it("wiki revisions: ip_address NULL on article and plugin revisions (ArticleRevision/RevisionPluginRevision.retire_user)", async () => {
    expect(await one("SELECT ip_address FROM wiki_articlerevision WHERE user_id = ?", [learner.userId])).to.deep.equal({ ip_address: null });
    expect(await one("SELECT ip_address FROM wiki_revisionpluginrevision WHERE user_id = ?", [learner.userId])).to.deep.equal({ ip_address: null });
    expect(await one("SELECT COUNT(*) AS n FROM wiki_articlerevision WHERE ip_address IS NOT NULL")).to.deep.equal({ n: 1 });
  });

  it("credit requests: username -> retired username, parameters -> {}", async () => {
    expect(await h.ds.query("SELECT username, parameters FROM credit_creditrequest WHERE username IN (?, ?)", [rows.username, retiredUsername])).to.deep.equal([{ username: retiredUsername, parameters: "{}" }]);
    expect(await h.ds.query("SELECT id FROM credit_creditrequest WHERE username = ?", [bystander.username])).to.have.length(1);
  });

  it("credit requirement statuses: username -> retired username, reason -> {}", async () => {
    expect(await h.ds.query("SELECT username, reason FROM credit_creditrequirementstatus WHERE username IN (?, ?)", [rows.username, retiredUsername])).to.deep.equal([{ username: retiredUsername, reason: "{}" }]);
  });

  it("credit eligibilities: username -> retired username (beyond upstream)", async () => {
    expect(await h.ds.query("SELECT username FROM credit_crediteligibility WHERE username IN (?, ?)", [rows.username, retiredUsername])).to.deep.equal([{ username: retiredUsername }]);
    expect(await h.ds.query("SELECT id FROM credit_crediteligibility WHERE username = ?", [bystander.username])).to.have.length(1);
  });

  it("API access requests: website, company_address, company_name, reason -> ''", async () => {
    const blank = { website: "", company_address: "", company_name: "", reason: "" };
    expect(await one("SELECT website, company_address, company_name, reason FROM api_admin_apiaccessrequest WHERE user_id = ?", [learner.userId])).to.deep.equal(blank);
    expect((await one("SELECT company_name FROM api_admin_apiaccessrequest WHERE user_id <> ?", [learner.userId])).company_name).to.equal(`${bystander.name} Ltd`);
  });

  it("social auth links and historical social auth: redacted, then deleted", async () => {
    expect(await h.ds.query("SELECT id FROM social_auth_usersocialauth WHERE user_id = ?", [learner.userId])).to.deep.equal([]);
    expect(await h.ds.query("SELECT id FROM support_historicalusersocialauth WHERE user_id = ?", [learner.userId])).to.deep.equal([]);
    expect(await h.ds.query("SELECT uid FROM support_historicalusersocialauth")).to.deep.equal([{ uid: bystander.email }]);
  });

  it("program enrollments: external_user_key -> retired_external_key_<sha1> on the row and its history", async () => {
    const retired = retiredExternalKeyFor(rows.externalKey, SALTS);
    expect(retired).to.match(/^retired_external_key_[0-9a-f]{40}$/);
    expect(await one("SELECT external_user_key FROM program_enrollments_programenrollment WHERE id = ?", [rows.programEnrollmentId])).to.deep.equal({ external_user_key: retired });
    expect(await h.ds.query("SELECT external_user_key FROM program_enrollments_historicalprogramenrollment WHERE id = ?", [rows.programEnrollmentId])).to.deep.equal([{ external_user_key: retired }]);
    expect(await one("SELECT external_user_key FROM program_enrollments_programenrollment WHERE id <> ?", [rows.programEnrollmentId])).to.deep.equal({ external_user_key: bystander.externalKey });
  });

  it("survey answers: field_value -> ''", async () => {
    expect(await one("SELECT field_name, field_value FROM survey_surveyanswer WHERE user_id = ?", [learner.userId])).to.deep.equal({ field_name: "full_name", field_value: "" });
  });

  it("verification attempts: deleted (VerificationAttempt.retire_user)", async () => {
    expect(await h.ds.query("SELECT id FROM verify_student_verificationattempt WHERE user_id = ?", [learner.userId])).to.deep.equal([]);
    expect(await h.ds.query("SELECT id FROM verify_student_verificationattempt")).to.have.length(1);
  });

  it("verified names: deleted; their history rows redacted (name affirmation)", async () => {
    expect(await h.ds.query("SELECT id FROM nameaffirmation_verifiedname WHERE user_id = ?", [learner.userId])).to.deep.equal([]);
    expect(await h.ds.query("SELECT verified_name, profile_name FROM edx_name_affirmation_historicalverifiedname WHERE user_id = ?", [learner.userId])).to.deep.equal([{ verified_name: "", profile_name: "" }]);
  });

  it("bulk email: an Optout row per enrolled course (force_optout_all), once", async () => {
    const optouts = await h.ds.query("SELECT course_id FROM bulk_email_optout WHERE user_id = ? ORDER BY course_id", [learner.userId]);
    const enrolled = await h.ds.query("SELECT DISTINCT course_id FROM student_courseenrollment WHERE user_id = ? ORDER BY course_id", [learner.userId]);
    expect(optouts).to.deep.equal(enrolled).and.to.have.length(3);
  });

  it("entitlement support comments: comments -> ''", async () => {
    expect(await one("SELECT comments FROM entitlements_courseentitlementsupportdetail WHERE entitlement_id = ?", [rows.entitlementId])).to.deep.equal({ comments: "" });
    expect(await one("SELECT comments FROM entitlements_courseentitlementsupportdetail WHERE entitlement_id = ?", [bystander.entitlementId])).to.not.deep.equal({ comments: "" });
  });

  it("ID verification photos: name, face_image_url, photo_id_image_url, photo_id_key -> ''", async () => {
    expect(await one("SELECT name, face_image_url, photo_id_image_url, photo_id_key, status FROM verify_student_softwaresecurephotoverification WHERE user_id = ?", [learner.userId]))
      .to.deep.equal({ name: "", face_image_url: "", photo_id_image_url: "", photo_id_key: "", status: "approved" });
  });

  it("manual and SSO verifications: name and reason -> '' (beyond upstream)", async () => {
    expect(await one("SELECT name, reason FROM verify_student_manualverification WHERE user_id = ?", [learner.userId])).to.deep.equal({ name: "", reason: "" });
    expect(await one("SELECT name FROM verify_student_ssoverification WHERE user_id = ?", [learner.userId])).to.deep.equal({ name: "" });
  });

  it("saved courses and programs: deleted, including a row saved under the original email", async () => {
    expect(await h.ds.query("SELECT id FROM save_for_later_savedcourse WHERE user_id = ? OR email IN (?, ?)", [learner.userId, rows.email, retiredEmail])).to.deep.equal([]);
    expect(await h.ds.query("SELECT id FROM save_for_later_savedprogram WHERE email IN (?, ?)", [rows.email, retiredEmail])).to.deep.equal([]);
    expect(await h.ds.query("SELECT id FROM save_for_later_savedprogram WHERE email = ?", [bystander.email])).to.have.length(1);
  });

  it("data sharing consent: username -> retired username (history too)", async () => {
    expect(await h.ds.query("SELECT username FROM consent_datasharingconsent WHERE enterprise_customer_id = ?", [rows.enterpriseCustomerId])).to.deep.equal([{ username: retiredUsername }]);
    expect(await h.ds.query("SELECT username FROM consent_historicaldatasharingconsent WHERE enterprise_customer_id = ?", [rows.enterpriseCustomerId])).to.deep.equal([{ username: retiredUsername }]);
  });

  it("SAP SuccessFactors and Degreed audits: sapsf_user_id and degreed_user_email -> ''", async () => {
    expect(await h.ds.query("SELECT sapsf_user_id FROM sap_success_factors_sapsuccessfactorslearnerdatatransmission3ce5 ORDER BY id")).to.deep.equal([{ sapsf_user_id: "" }, { sapsf_user_id: bystander.username }]);
    expect(await h.ds.query("SELECT degreed_user_email FROM degreed_degreedlearnerdatatransmissionaudit ORDER BY id")).to.deep.equal([{ degreed_user_email: "" }, { degreed_user_email: bystander.email }]);
  });

  it("pending enterprise users: deleted (upstream's filter on the swapped email never matches); history redacted", async () => {
    expect(await h.ds.query("SELECT user_email FROM enterprise_pendingenterprisecustomeruser WHERE enterprise_customer_id = ?", [rows.enterpriseCustomerId])).to.deep.equal([]);
    expect(await h.ds.query("SELECT user_email FROM enterprise_historicalpendingenterprisecustomeruser WHERE enterprise_customer_id = ?", [rows.enterpriseCustomerId])).to.deep.equal([{ user_email: retiredEmail }]);
    expect(await h.ds.query("SELECT user_email FROM enterprise_pendingenterprisecustomeruser WHERE enterprise_customer_id = ?", [bystander.enterpriseCustomerId])).to.deep.equal([{ user_email: bystander.email }]);
  });

  it("profile images: the files named md5(seed + username)_<size>.jpg deleted from PROFILE_IMAGE_BUCKET, then the timestamp cleared", async () => {
    expect(rows.profileImageKeys).to.have.length(IMAGE_SIZES.length);
    expect(rows.profileImageKeys[0]).to.match(/^[0-9a-f]{32}_500\.jpg$/);
    expect(await h.bucket!.keys(), "only the bystander's files remain").to.deep.equal([...bystander.profileImageKeys].sort());
    expect(await one("SELECT profile_image_uploaded_at FROM auth_userprofile WHERE user_id = ?", [learner.userId])).to.deep.equal({ profile_image_uploaded_at: null });
  });

  it("every erasure of lms-erasures.ts has a test above", () => {
    const titles = (this.tests ?? []).map((t) => t.title.toLowerCase());
    for (const erasure of LMS_ERASURES) {
      const word = erasure.name.toLowerCase().split(" ")[0];
      expect(titles.some((t) => t.includes(word)), erasure.name).to.equal(true);
    }
  });
});

describe("learner retirement: an LMS without some apps' tables", function () {
  this.timeout(60000);
  let h: Harness;
  after(async () => h?.close());

  it("the worker's start check logs one line per missing optional table; the step records what it skipped; the learner is still retired", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    const dropped = ["wiki_revisionpluginrevision", "consent_historicaldatasharingconsent", "credit_crediteligibility"];
    // Other tables' foreign keys point at these in edx-platform's schema: dropped as a missing app leaves them.
    await withoutForeignKeyChecks(h.ds, async (em) => {
      for (const table of dropped) await em.query(`DROP TABLE ${table}`);
    });
    const learners = [await insertLearner(h), await insertLearner(h)];
    await withoutForeignKeyChecks(h.ds, async (em) => {
      await insertLmsRow(em, "enterprise_enterprisecustomer", { uuid: "e".repeat(32), name: "Enterprise", site_id: 1, customer_type_id: 1 });
      await insertLmsRow(em, "consent_datasharingconsent", { username: learners[0].pii[0], granted: 1, course_id: "course-v1:OrgX+Ent+2026", enterprise_customer_id: "e".repeat(32) });
    });
    await requestRetirements(h, learners.map((l) => l.userId));
    const { logger, text } = capturedLogger();
    const { ctx } = await h.worker({ queues: [QueueName.LearnerRetirement], logger });
    // What `worker` does before it takes jobs (the host here is started by the harness).
    await checkLmsSchemaAtStart(ctx.dataSource, [QueueName.LearnerRetirement], logger);
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);
    for (const l of learners) await waitFor("COMPLETE", async () => (await stateOf(h.ds, l.userId)) === "COMPLETE");

    const lines = (table: string) => text().split("\n").filter((line) => line.includes(table));
    for (const table of dropped) expect(lines(table), table).to.have.length(1);
    expect(lines("wiki_revisionpluginrevision")[0]).to.contain('retirement skips the \\"wiki revisions\\" erasure');
    expect(lines("consent_historicaldatasharingconsent")[0]).to.contain("a history table");
    const [consent] = await h.ds.query("SELECT username FROM consent_datasharingconsent");
    expect(consent.username, "a missing history table does not skip its erasure: the consent row is retired").to.match(/^retired__user_[0-9a-f]{40}$/);
    const responses = await responsesOf(h.ds, learners[0].userId);
    expect(responses).to.contain("Ending: EMAIL_LISTS_COMPLETE with response:\nNone\nSkipped (tables not in this LMS): wiki revisions, credit eligibilities");
    expect(responses).to.contain("Ending: LMS_COMPLETE with response:\nNone\n");
    expect(responses).to.not.contain("Skipped (tables not in this LMS): data sharing consent");
  });
});
