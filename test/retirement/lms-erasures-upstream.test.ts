import { expect } from "chai";
import type { DataSource } from "typeorm";
import { retiredEmailFor } from "../../src/domain/retirement/retired-identifiers";
import { RetirementStatusStore, type LearnerStatus } from "../../src/services/retirement/retirement-status-store";
import { builtInSteps } from "../../src/services/retirement/retirement-steps";
import { insertUser } from "../support/fixtures";
import { Harness } from "../support/harness";
import { insertLmsRow } from "../support/lms-seed";
import { RETIREMENT_ENV, requestRetirements } from "./retirement-fixtures";

const FORMAT = { usernamePrefix: "retired__user_", emailPrefix: "retired__user_", emailDomain: "retired.invalid", salts: ["old-salt", "test-salt"] };

/**
 * The last image of every row a retirement deletes, as a replication tool that turns deletes into soft deletes
 * would keep it: a BEFORE DELETE trigger per table copies the column that held PII.
 */
const CAPTURED: Array<[table: string, key: string, value: string]> = [
  ["student_pendingemailchange", "id", "OLD.new_email"],
  ["student_pendingsecondaryemailchange", "id", "OLD.new_secondary_email"],
  ["auth_accountrecovery", "id", "OLD.secondary_email"],
  ["social_auth_usersocialauth", "id", "CONCAT(OLD.uid, ' ', OLD.extra_data)"],
  ["support_historicalusersocialauth", "history_id", "CONCAT(OLD.uid, ' ', OLD.extra_data)"],
];

async function captureDeletes(ds: DataSource): Promise<void> {
  await ds.query("CREATE TABLE test_deleted_rows (seq int NOT NULL AUTO_INCREMENT PRIMARY KEY, tbl varchar(64) NOT NULL, row_key int NOT NULL, value longtext NULL)");
  for (const [table, key, value] of CAPTURED) {
    await ds.query(`CREATE TRIGGER test_capture_${table} BEFORE DELETE ON ${table} FOR EACH ROW INSERT INTO test_deleted_rows (tbl, row_key, value) VALUES ('${table}', OLD.${key}, ${value})`);
  }
}

const deleted = (ds: DataSource, table: string): Promise<Array<{ row_key: number; value: string }>> =>
  ds.query("SELECT row_key, value FROM test_deleted_rows WHERE tbl = ? ORDER BY seq", [table]);

interface Seeded {
  userId: number;
  originalEmail: string;
  pii: string[];
}

/**
 * A learner with the rows these erasures touch, on any LMS schema (lms-seed fills the real tables' NOT NULL
 * columns): enrollments in OrgX and OrgY (active) and OrgZ (inactive), a manual enrollment audit, a pending email
 * change, a pending secondary email change and a recovery email.
 */
async function seedLearner(ds: DataSource): Promise<Seeded> {
  const user = await insertUser(ds);
  const name = `${user.firstName} ${user.lastName}`;
  await insertLmsRow(ds, "auth_userprofile", { user_id: user.id, name });
  const enrollments: number[] = [];
  for (const [org, active] of [["OrgX", 1], ["OrgY", 1], ["OrgZ", 0]] as const) {
    enrollments.push(await insertLmsRow(ds, "student_courseenrollment", { user_id: user.id, course_id: `course-v1:${org}+R${user.id}+2026`, mode: "verified", is_active: active, created: new Date() }));
  }
  await insertLmsRow(ds, "student_manualenrollmentaudit", { enrolled_email: user.email, state_transition: "from unenrolled to enrolled", reason: "paid by invoice", enrollment_id: enrollments[0] });
  await insertLmsRow(ds, "student_pendingemailchange", { user_id: user.id, new_email: `new.${user.email}` });
  await insertLmsRow(ds, "student_pendingsecondaryemailchange", { user_id: user.id, new_secondary_email: `second.${user.email}` });
  await insertLmsRow(ds, "auth_accountrecovery", { user_id: user.id, secondary_email: `recovery.${user.email}`, is_active: 1 });
  return { userId: user.id, originalEmail: user.email, pii: [user.username, user.email, user.firstName, user.lastName, name] };
}

/**
 * The database steps' erasures checked against upstream's code, value by value: retire_misc's manual enrollment
 * audits and their history (ManualEnrollmentAudit.retire_manual_enrollments), unenroll as the LMS's view does it
 * (UnenrollmentView → unenroll_user_from_all_courses → _update_enrollment: the enrollment history rows and the
 * response), and the values upstream writes into a row just before deleting it (PendingEmailChange, the pending
 * secondary email, the recovery email, social-auth links and their history).
 */
describe("learner retirement: the erasures as upstream writes them", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => h?.close());

  async function learnersOf(ids: number[]): Promise<LearnerStatus[]> {
    const store = new RetirementStatusStore(h.ds);
    return (await Promise.all(ids.map((id) => store.load(id)))) as LearnerStatus[];
  }

  /** A manual enrollment audit's simple-history rows (+ when created, ~ when changed), as the LMS writes them. */
  async function auditHistory(auditId: number): Promise<void> {
    for (const type of ["+", "~"]) {
      await h.ds.query(
        `INSERT INTO student_historicalmanualenrollmentaudit (id, enrolled_email, time_stamp, state_transition, reason, role, history_date, history_change_reason, history_type, enrolled_by_id, enrollment_id, history_user_id)
         SELECT id, enrolled_email, time_stamp, state_transition, reason, role, UTC_TIMESTAMP(6), NULL, ?, enrolled_by_id, enrollment_id, NULL FROM student_manualenrollmentaudit WHERE id = ?`,
        [type, auditId],
      );
    }
  }

  it("retire_misc, unenroll and retire_lms: manual enrollment history, enrollment history and response, redact-before-delete values", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    await captureDeletes(h.ds);
    const service = await insertUser(h.ds, { username: "RETIREMENT_SERVICE_USER" });
    const learner = await seedLearner(h.ds);
    const idle = await seedLearner(h.ds);
    const bystander = await seedLearner(h.ds);
    await h.ds.query("UPDATE student_courseenrollment SET is_active = 0 WHERE user_id = ?", [idle.userId]);
    const audits = new Map<number, number>();
    for (const f of [learner, bystander]) {
      const [audit] = await h.ds.query("SELECT a.id FROM student_manualenrollmentaudit a JOIN student_courseenrollment e ON e.id = a.enrollment_id WHERE e.user_id = ?", [f.userId]);
      audits.set(f.userId, Number(audit.id));
      await auditHistory(Number(audit.id));
    }
    const [socialAuth] = await h.ds.query(
      "INSERT INTO social_auth_usersocialauth (provider, uid, extra_data, user_id, created, modified) VALUES ('google-oauth2', ?, '{\"email\": \"x\"}', ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)) RETURNING id",
      [learner.originalEmail, learner.userId],
    );
    await requestRetirements(h, [learner.userId, idle.userId]);
    // Rows the LMS may add after the request (a recovery email set again, a link made since, an older history row).
    await h.ds.query("INSERT INTO auth_accountrecovery (user_id, secondary_email, is_active) VALUES (?, ?, 1)", [learner.userId, `again.${learner.originalEmail}`]);
    const [history] = await h.ds.query(
      "INSERT INTO support_historicalusersocialauth (id, provider, uid, extra_data, created, modified, history_date, history_change_reason, history_type, history_user_id, user_id) VALUES (999, 'tpa-saml', ?, '{\"name\": \"Ada\"}', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), NULL, '+', NULL, ?) RETURNING history_id",
      [learner.originalEmail, learner.userId],
    );
    const enrollmentsBefore: Array<{ id: number; course_id: string; mode: string; is_active: number; created: string }> = await h.ds.query(
      "SELECT id, course_id, mode, is_active, DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f') AS created FROM student_courseenrollment WHERE user_id = ? ORDER BY course_id",
      [learner.userId],
    );
    const bystanderBefore = await h.ds.query("SELECT * FROM student_courseenrollment WHERE user_id = ? ORDER BY id", [bystander.userId]);

    const ctx = await h.context();
    const steps = builtInSteps(ctx);
    const learners = await learnersOf([learner.userId, idle.userId]);
    const responses = await h.ds.transaction(async (em) => {
      const out: Record<string, string[]> = {};
      for (const method of ["retire_misc", "unenroll", "retire_lms"]) out[method] = await steps.get(`LMS.${method}`)!.apply!(em, learners, learners.map(() => undefined));
      return out;
    });
    const retiredEmail = retiredEmailFor(learner.originalEmail, FORMAT);

    // ManualEnrollmentAudit.retire_manual_enrollments: the audit and each of its history rows.
    const auditId = audits.get(learner.userId)!;
    expect(await h.ds.query("SELECT enrolled_email, reason FROM student_manualenrollmentaudit WHERE id = ?", [auditId])).to.deep.equal([{ enrolled_email: retiredEmail, reason: "" }]);
    expect(await h.ds.query("SELECT enrolled_email, reason, history_type FROM student_historicalmanualenrollmentaudit WHERE id = ? ORDER BY history_id", [auditId])).to.deep.equal([
      { enrolled_email: retiredEmail, reason: "", history_type: "+" },
      { enrolled_email: retiredEmail, reason: "", history_type: "~" },
    ]);
    const bystanderAudit = audits.get(bystander.userId)!;
    expect(await h.ds.query("SELECT DISTINCT enrolled_email, reason FROM student_historicalmanualenrollmentaudit WHERE id = ?", [bystanderAudit])).to.deep.equal([
      { enrolled_email: bystander.originalEmail, reason: "paid by invoice" },
    ]);

    // UnenrollmentView: the orgs of every enrollment (the inactive OrgZ too) as DRF writes the set; None (204) for a
    // learner with no active enrollment.
    expect(responses.unenroll).to.deep.equal(['["OrgX","OrgY","OrgZ"]', "None"]);
    expect(await h.ds.query("SELECT DISTINCT is_active FROM student_courseenrollment WHERE user_id = ?", [learner.userId])).to.deep.equal([{ is_active: 0 }]);
    // _update_enrollment: update_enrollment(is_active=False) saves an active enrollment, then save() again; an
    // inactive one is saved once. Each save is a "~" row copying the enrollment, by the retirement service user.
    const rows = await h.ds.query(
      `SELECT id, user_id, course_id, mode, is_active, DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f') AS created, history_type, history_change_reason, history_user_id, history_id
       FROM student_courseenrollment_history WHERE user_id = ? ORDER BY course_id, history_date`,
      [learner.userId],
    );
    const expected = enrollmentsBefore.flatMap((e) =>
      Array.from({ length: e.is_active === 1 ? 2 : 1 }, () => ({
        id: e.id,
        user_id: learner.userId,
        course_id: e.course_id,
        mode: e.mode,
        is_active: 0,
        created: e.created,
        history_type: "~",
        history_change_reason: null,
        history_user_id: service.id,
      })),
    );
    expect(rows.map(({ history_id: _, ...r }: Record<string, unknown>) => r)).to.deep.equal(expected);
    expect(rows.map((r: { history_id: string }) => r.history_id).every((id: string) => /^[0-9a-f]{32}$/.test(id))).to.equal(true);
    expect(new Set(rows.map((r: { history_id: string }) => r.history_id)).size).to.equal(5);
    expect(await h.ds.query("SELECT id FROM student_courseenrollment_history WHERE user_id IN (?)", [[idle.userId, bystander.userId]])).to.deep.equal([]);
    expect(await h.ds.query("SELECT * FROM student_courseenrollment WHERE user_id = ? ORDER BY id", [bystander.userId])).to.deep.equal(bystanderBefore);

    // The last image of each deleted row holds upstream's redacted value, never the learner's.
    const [pendingEmail] = await deleted(h.ds, "student_pendingemailchange");
    expect(pendingEmail.value).to.equal("redacted-before-delete@safe.com");
    const [pendingSecondary] = await deleted(h.ds, "student_pendingsecondaryemailchange");
    expect(pendingSecondary.value).to.equal("redact-before-delete@redacted.com");
    expect((await deleted(h.ds, "auth_accountrecovery")).map((r) => r.value), "request-retirement, then retire_lms").to.deep.equal([
      `redact-before-delete+${learner.userId}@redacted.com`,
      `redact-before-delete+${idle.userId}@redacted.com`,
      `redact-before-delete+${learner.userId}@redacted.com`,
    ]);
    expect(await deleted(h.ds, "social_auth_usersocialauth")).to.deep.equal([{ row_key: Number(socialAuth.id), value: `redacted-before-delete-${socialAuth.id}@safe.com {}` }]);
    // request-retirement recorded the link's deletion (history row, redacted); retire_misc then redacted and deleted
    // every history row of the learner, each with its own history_id in the uid.
    const historical = await deleted(h.ds, "support_historicalusersocialauth");
    expect(historical.map((r) => r.value)).to.deep.equal(historical.map((r) => `redacted-before-delete-${r.row_key}@safe.com {}`));
    expect(historical.map((r) => r.row_key)).to.include(Number(history.history_id));
    expect(await h.ds.query("SELECT history_id FROM support_historicalusersocialauth WHERE user_id = ?", [learner.userId])).to.deep.equal([]);

    const captured = await h.ds.query("SELECT value FROM test_deleted_rows");
    for (const value of [learner.originalEmail, ...learner.pii]) {
      expect(captured.filter((r: { value: string | null }) => r.value?.includes(value)), value).to.deep.equal([]);
    }
  });
});
