import { expect } from "chai";
import { retiredEmailFor, retiredUsernameFor } from "../../src/domain/retirement/retired-identifiers";
import { RetirementStatusStore, type LearnerStatus } from "../../src/services/retirement/retirement-status-store";
import { builtInSteps } from "../../src/services/retirement/retirement-steps";
import { Harness } from "../support/harness";
import { seedErasureRows, type ErasureRows } from "./erasure-fixtures";
import { RETIREMENT_ENV, insertLearner, requestRetirements } from "./retirement-fixtures";

const FORMAT = { usernamePrefix: "retired__user_", emailPrefix: "retired__user_", emailDomain: "retired.invalid", salts: ["old-salt", "test-salt"] };

/**
 * The worker runs a step for every learner whose job reaches it together, in one transaction with one statement per
 * table (RetirementEngine's batches). Values that differ per learner (retired username and email, each its own
 * unusable password) are CASE expressions there: this runs the default pipeline's database steps for three learners
 * at once and checks that each row got its own learner's value, and that a bystander's rows are untouched.
 */
describe("learner retirement: the database steps for several learners in one statement per table", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => h?.close());

  it("gives each learner's rows that learner's own retired values", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    const fixtures = [await insertLearner(h), await insertLearner(h), await insertLearner(h)];
    const bystanderFixture = await insertLearner(h);
    const rows: ErasureRows[] = [];
    for (const f of fixtures) rows.push(await seedErasureRows(h.ds, f));
    const bystander = await seedErasureRows(h.ds, bystanderFixture);
    await requestRetirements(h, fixtures.map((f) => f.userId));
    const ctx = await h.context();
    const store = new RetirementStatusStore(h.ds);
    const learners = (await Promise.all(fixtures.map((f) => store.load(f.userId)))) as LearnerStatus[];
    const steps = builtInSteps(ctx);

    const responses = await h.ds.transaction(async (em) => {
      const out: string[][] = [];
      for (const method of ["lock_account", "retire_misc", "unenroll", "add_to_partner_queue", "retire_lms"]) {
        out.push(await steps.get(`LMS.${method}`)!.apply!(em, learners, learners.map(() => undefined)));
      }
      return out;
    });
    // Each learner's own orgs, of every enrollment (the inactive OrgZ too), as upstream's unenroll answers.
    expect(responses[2], "unenroll answers each learner's own orgs").to.deep.equal(fixtures.map(() => '["OrgX","OrgY","OrgZ"]'));

    const passwords = new Set<string>();
    for (const [i, f] of fixtures.entries()) {
      const username = retiredUsernameFor(rows[i].username, FORMAT);
      const email = retiredEmailFor(rows[i].email, FORMAT);
      const [user] = await h.ds.query("SELECT username, email, password, is_active FROM auth_user WHERE id = ?", [f.userId]);
      expect(user, `user ${f.userId}`).to.deep.include({ username, email, is_active: 0 });
      expect(user.password).to.match(/^!/);
      passwords.add(user.password);
      expect(await h.ds.query("SELECT username FROM credit_creditrequest WHERE username IN (?)", [[rows[i].username, username]])).to.deep.equal([{ username }]);
      expect(await h.ds.query("SELECT username FROM credit_crediteligibility WHERE username IN (?)", [[rows[i].username, username]])).to.deep.equal([{ username }]);
      expect(await h.ds.query("SELECT username FROM consent_datasharingconsent WHERE enterprise_customer_id = ?", [rows[i].enterpriseCustomerId])).to.deep.equal([{ username }]);
      expect(await h.ds.query("SELECT user_email FROM enterprise_historicalpendingenterprisecustomeruser WHERE enterprise_customer_id = ?", [rows[i].enterpriseCustomerId])).to.deep.equal([{ user_email: email }]);
      expect(await h.ds.query("SELECT user_email FROM enterprise_pendingenterprisecustomeruser WHERE enterprise_customer_id = ?", [rows[i].enterpriseCustomerId])).to.deep.equal([]);
      expect(await h.ds.query(
        "SELECT a.enrolled_email, a.reason FROM student_manualenrollmentaudit a JOIN student_courseenrollment e ON e.id = a.enrollment_id WHERE e.user_id = ?",
        [f.userId],
      )).to.deep.equal([{ enrolled_email: email, reason: "" }]);
      const [partner] = await h.ds.query("SELECT original_username FROM user_api_userretirementpartnerreportingstatus WHERE user_id = ?", [f.userId]);
      expect(partner?.original_username).to.equal(rows[i].username);
      const [optouts] = await h.ds.query("SELECT COUNT(*) AS n FROM bulk_email_optout WHERE user_id = ?", [f.userId]);
      expect(Number(optouts.n)).to.equal(3);
    }
    expect(passwords.size, "each learner its own unusable password").to.equal(3);

    const [other] = await h.ds.query("SELECT username, is_active FROM auth_user WHERE id = ?", [bystanderFixture.userId]);
    expect(other).to.deep.equal({ username: bystander.username, is_active: 1 });
    expect(await h.ds.query("SELECT username FROM credit_creditrequest WHERE username = ?", [bystander.username])).to.have.length(1);
    expect(await h.ds.query("SELECT user_email FROM enterprise_pendingenterprisecustomeruser WHERE enterprise_customer_id = ?", [bystander.enterpriseCustomerId])).to.deep.equal([{ user_email: bystander.email }]);
    const [optouts] = await h.ds.query("SELECT COUNT(*) AS n FROM bulk_email_optout WHERE user_id = ?", [bystanderFixture.userId]);
    expect(Number(optouts.n)).to.equal(0);
  });
});
