import type { EntityManager } from "typeorm";
import { retiredExternalKeyFor } from "../../domain/retirement/retired-identifiers";
import { HISTORICAL_SOCIAL_AUTH_UID_REDACTED_SQL, SOCIAL_AUTH_UID_REDACTED_SQL } from "../../domain/retirement/redact-before-delete";
import type { RetirementConfig } from "../../config";
import type { LearnerStatus } from "./retirement-status-store";

/** Which built-in step runs an erasure: upstream's `retire_misc/` (+ its signals) or `retire/` (+ USER_RETIRE_LMS_CRITICAL). */
export type ErasurePhase = "retire_misc" | "retire_lms";

interface ErasureContext {
  em: EntityManager;
  /** The learners whose step runs now (one, or several jobs' learners batched in one transaction). */
  learners: readonly LearnerStatus[];
  retirement: Pick<RetirementConfig, "salts">;
  /** The tables of this LMS (read once per process), for the optional history tables. */
  present: ReadonlySet<string>;
}

/**
 * One upstream erasure of an app's LMS tables, with upstream's exact values, for a set of learners at once (one
 * statement per table, `IN (…)`). Each runs inside the step's transaction (the learners' status rows are held) and
 * is idempotent: running it twice changes nothing more.
 * `tables` are the app's own tables: an LMS without one of them (the app is not installed) skips the erasure.
 * `historyTables` are simple-history tables an LMS may lack (older releases, history turned off): a missing one
 * only skips that table's redaction.
 */
export interface LmsErasure {
  name: string;
  /** The upstream code this reproduces (receiver or view method), for docs and logs. */
  upstream: string;
  phase: ErasurePhase;
  tables: string[];
  historyTables: string[];
  /**
   * An operator's RETIREMENT_EXTRA_ERASURES entry: its table is not in the LMS schema registry; a retirement worker
   * checks it at start (exit 2 when it is missing), so the runner counts it as present.
   */
  operatorDeclared?: boolean;
  /**
   * SQL conditions (each an `EXISTS(…)` over an indexed column) true when one of the learners may have rows the
   * erasure changes; the runner evaluates every erasure's in one query and skips the erasures with none true, so
   * learners without wiki, credit or enterprise rows cost one round trip instead of one per table.
   */
  probe(c: Omit<ErasureContext, "em">): SqlCondition[];
  apply(c: ErasureContext): Promise<void>;
}

/** A boolean SQL expression and its parameters. */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/** Rows of `table` whose `column` holds one of `values`. */
function rowsWhere(table: string, column: string, values: unknown[]): SqlCondition {
  return { sql: `EXISTS(SELECT 1 FROM \`${table}\` WHERE \`${column}\` IN (?))`, params: [values] };
}

const userIds = (learners: readonly LearnerStatus[]) => learners.map((l) => l.userId);

/** Which of the learner's values finds their rows in a table. */
type LearnerKey = "userId" | "originalUsername" | "originalEmail";

/** A value an erasure writes: a constant (`null` = SQL NULL), the learner's retired username or email, or SQL. */
type Value = string | null | { retired: "retiredUsername" | "retiredEmail" } | { sql: string };

const RETIRED_USERNAME: Value = { retired: "retiredUsername" };
const RETIRED_EMAIL: Value = { retired: "retiredEmail" };
/** upstream's per-record redacted social-auth uid (get_redacted_social_auth_uid(pk)): the link's id in its own table. */
const REDACTED_UID: Value = { sql: SOCIAL_AUTH_UID_REDACTED_SQL };
/** …and in the history table, whose primary key (`pk` in upstream's bulk `Concat`) is `history_id`. */
const REDACTED_HISTORY_UID: Value = { sql: HISTORICAL_SOCIAL_AUTH_UID_REDACTED_SQL };
/** Upstream's JSON fields hold `{}` once retired (parameters, reason). */
const EMPTY_JSON = "{}";

/**
 * What one erasure does to one table: find the learner's rows by `match` (a column and the learner value it holds),
 * set `set`, then (with `delete`) delete them. Deleting after redacting keeps no PII in tools that turn deletes
 * into soft deletes (upstream redacts before deleting for the same reason).
 */
interface TableAction {
  table: string;
  match: [column: string, key: LearnerKey];
  set?: Record<string, Value>;
  delete?: true;
}

/**
 * The SQL of a value for a set of learners whose rows are found by `match`: a learner's own value (the retired
 * username or email) is a CASE on the match column, so one statement sets each learner's row to its own value.
 */
function sqlOf(value: Value, learners: readonly LearnerStatus[], match: [string, LearnerKey]): { sql: string; params: unknown[] } {
  if (value === null) return { sql: "NULL", params: [] };
  if (typeof value === "string") return { sql: "?", params: [value] };
  if ("sql" in value) return { sql: value.sql, params: [] };
  const [column, key] = match;
  return { sql: `CASE \`${column}\`${" WHEN ? THEN ?".repeat(learners.length)} END`, params: learners.flatMap((l) => [l[key], l[value.retired]]) };
}

async function applyAction(em: EntityManager, learners: readonly LearnerStatus[], action: TableAction): Promise<void> {
  const [column, key] = action.match;
  let matchValues: unknown[] = learners.map((l) => l[key]);
  if (action.set) {
    const sets = Object.entries(action.set).map(([col, value]) => ({ col, ...sqlOf(value, learners, action.match) }));
    await em.query(`UPDATE \`${action.table}\` SET ${sets.map((s) => `\`${s.col}\` = ${s.sql}`).join(", ")} WHERE \`${column}\` IN (?)`, [
      ...sets.flatMap((s) => s.params),
      matchValues,
    ]);
    // The rows are now found by their new values when the match column itself was redacted.
    const redacted = action.set[column];
    if (redacted !== undefined) matchValues = redactedValues(redacted, learners);
  }
  if (action.delete) await em.query(`DELETE FROM \`${action.table}\` WHERE \`${column}\` IN (?)`, [matchValues]);
}

/** The values a redacted match column now holds (only learner values and constants can be matched again). */
function redactedValues(value: Value, learners: readonly LearnerStatus[]): unknown[] {
  if (value === null || (typeof value === "object" && "sql" in value)) throw new Error("internal: a match column can only be redacted to a constant or a retired value");
  return typeof value === "string" ? [value] : learners.map((l) => l[value.retired]);
}

/**
 * An erasure that is a list of table actions. Actions on `history` tables are optional: they run when the LMS has
 * the table. Upstream's newer ENABLE_REDACT_HISTORICAL_PII_RETIREMENT redacts history the same way.
 */
function tableErasure(meta: Pick<LmsErasure, "name" | "upstream" | "phase">, actions: TableAction[], history: TableAction[] = []): LmsErasure {
  return {
    ...meta,
    tables: [...new Set(actions.map((a) => a.table))],
    historyTables: [...new Set(history.map((a) => a.table))],
    probe: ({ learners, present }) =>
      [...actions, ...history.filter((a) => present.has(a.table))].map((a) => rowsWhere(a.table, a.match[0], learners.map((l) => l[a.match[1]]))),
    async apply({ em, learners, present }) {
      for (const action of actions) await applyAction(em, learners, action);
      for (const action of history) if (present.has(action.table)) await applyAction(em, learners, action);
    },
  };
}

/** The same redaction on an app table and its simple-history table. */
function withHistory(table: string, historyTable: string, action: Omit<TableAction, "table">): [TableAction[], TableAction[]] {
  return [[{ table, ...action }], [{ table: historyTable, ...action, delete: undefined }]];
}

const blank = (...columns: string[]): Record<string, Value> => Object.fromEntries(columns.map((c) => [c, ""]));

export const LMS_ERASURES: LmsErasure[] = [
  // ---- retire_misc/ (LMSAccountRetirementView) and its USER_RETIRE_LMS_MISC / USER_RETIRE_MAILINGS receivers ----
  {
    name: "manual enrollment audits",
    upstream:
      "retire_misc: ManualEnrollmentAudit.retire_manual_enrollments (common/djangoapps/student/models/course_enrollment.py: the audits of the learner's enrollments and each audit's history rows, enrolled_email → retired email, reason → '')",
    phase: "retire_misc",
    tables: ["student_manualenrollmentaudit", "student_courseenrollment"],
    historyTables: ["student_historicalmanualenrollmentaudit"],
    probe: ({ learners }) => [
      {
        sql: "EXISTS(SELECT 1 FROM student_manualenrollmentaudit a JOIN student_courseenrollment e ON e.id = a.enrollment_id WHERE e.user_id IN (?))",
        params: [userIds(learners)],
      },
    ],
    async apply({ em, learners, present }) {
      const email = { sql: `CASE e.user_id${" WHEN ? THEN ?".repeat(learners.length)} END`, params: learners.flatMap((l) => [l.userId, l.retiredEmail]) };
      // upstream: `audit.history.update(...)` for each audit (its history rows, by the audit's id), then the audits.
      if (present.has("student_historicalmanualenrollmentaudit")) {
        await em.query(
          `UPDATE student_historicalmanualenrollmentaudit h
           JOIN student_manualenrollmentaudit a ON a.id = h.id JOIN student_courseenrollment e ON e.id = a.enrollment_id
           SET h.reason = '', h.enrolled_email = ${email.sql} WHERE e.user_id IN (?)`,
          [...email.params, userIds(learners)],
        );
      }
      await em.query(
        `UPDATE student_manualenrollmentaudit a JOIN student_courseenrollment e ON e.id = a.enrollment_id
         SET a.reason = '', a.enrolled_email = ${email.sql} WHERE e.user_id IN (?)`,
        [...email.params, userIds(learners)],
      );
    },
  },
  tableErasure(
    { name: "wiki revisions", upstream: "retire_misc: ArticleRevision.retire_user, RevisionPluginRevision.retire_user (django-wiki: ip_address → NULL)", phase: "retire_misc" },
    ["wiki_articlerevision", "wiki_revisionpluginrevision"].map((table) => ({ table, match: ["user_id", "userId"], set: { ip_address: null } })),
  ),
  tableErasure(
    { name: "credit requests", upstream: "retire_misc: CreditRequest.retire_user (username → retired username, parameters → {})", phase: "retire_misc" },
    ...withHistory("credit_creditrequest", "credit_historicalcreditrequest", { match: ["username", "originalUsername"], set: { username: RETIRED_USERNAME, parameters: EMPTY_JSON } }),
  ),
  tableErasure(
    { name: "credit requirement statuses", upstream: "retire_misc: CreditRequirementStatus.retire_user (username → retired username, reason → {})", phase: "retire_misc" },
    ...withHistory("credit_creditrequirementstatus", "credit_historicalcreditrequirementstatus", { match: ["username", "originalUsername"], set: { username: RETIRED_USERNAME, reason: EMPTY_JSON } }),
  ),
  tableErasure(
    { name: "credit eligibilities", upstream: "beyond upstream (no receiver; UsernameReplacementView lists the column): username → retired username", phase: "retire_misc" },
    [{ table: "credit_crediteligibility", match: ["username", "originalUsername"], set: { username: RETIRED_USERNAME } }],
  ),
  tableErasure(
    { name: "API access requests", upstream: "retire_misc: ApiAccessRequest.retire_user (website, company_address, company_name, reason → '')", phase: "retire_misc" },
    ...withHistory("api_admin_apiaccessrequest", "api_admin_historicalapiaccessrequest", { match: ["user_id", "userId"], set: blank("website", "company_address", "company_name", "reason") }),
  ),
  tableErasure(
    { name: "social auth links", upstream: "deactivate_logout: UserSocialAuth deleted, redacted first by the pre_delete receiver (catch-up for links made since)", phase: "retire_misc" },
    [{ table: "social_auth_usersocialauth", match: ["user_id", "userId"], set: { uid: REDACTED_UID, extra_data: EMPTY_JSON }, delete: true }],
  ),
  tableErasure(
    { name: "historical social auth", upstream: "retire_misc: redact_and_delete_historical_social_auth (uid → redacted-before-delete-<history_id>@safe.com, extra_data cleared, then deleted)", phase: "retire_misc" },
    [{ table: "support_historicalusersocialauth", match: ["user_id", "userId"], set: { uid: REDACTED_HISTORY_UID, extra_data: EMPTY_JSON }, delete: true }],
  ),
  {
    name: "program enrollments",
    upstream: "USER_RETIRE_LMS_MISC → ProgramEnrollment.retire_user (external_user_key → retired_external_key_<sha1>, history rows too)",
    phase: "retire_misc",
    tables: ["program_enrollments_programenrollment"],
    historyTables: ["program_enrollments_historicalprogramenrollment"],
    probe: ({ learners }) => [rowsWhere("program_enrollments_programenrollment", "user_id", userIds(learners))],
    async apply({ em, learners, retirement, present }) {
      const rows: Array<{ id: number; external_user_key: string | null }> = await em.query(
        "SELECT id, external_user_key FROM program_enrollments_programenrollment WHERE user_id IN (?) ORDER BY id",
        [userIds(learners)],
      );
      for (const row of rows) {
        if (row.external_user_key === null) continue;
        // Already retired keys are left alone, so a second run does not hash the hash (upstream would).
        if (row.external_user_key.startsWith("retired_external_key_")) continue;
        const retired = retiredExternalKeyFor(row.external_user_key, retirement.salts);
        if (present.has("program_enrollments_historicalprogramenrollment")) {
          await em.query("UPDATE program_enrollments_historicalprogramenrollment SET external_user_key = ? WHERE id = ?", [retired, row.id]);
        }
        await em.query("UPDATE program_enrollments_programenrollment SET external_user_key = ?, modified = UTC_TIMESTAMP(6) WHERE id = ?", [retired, row.id]);
      }
    },
  },
  tableErasure(
    { name: "survey answers", upstream: "USER_RETIRE_LMS_MISC → SurveyAnswer.retire_user (field_value → '')", phase: "retire_misc" },
    [{ table: "survey_surveyanswer", match: ["user_id", "userId"], set: { field_value: "" } }],
  ),
  tableErasure(
    { name: "verification attempts", upstream: "USER_RETIRE_LMS_MISC → VerificationAttempt.retire_user (deleted; name redacted first)", phase: "retire_misc" },
    [{ table: "verify_student_verificationattempt", match: ["user_id", "userId"], set: { name: "" }, delete: true }],
  ),
  tableErasure(
    { name: "verified names", upstream: "USER_RETIRE_LMS_MISC → VerifiedName.retire_user (edx-name-affirmation: deleted; history rows redacted)", phase: "retire_misc" },
    ...withHistory("nameaffirmation_verifiedname", "edx_name_affirmation_historicalverifiedname", { match: ["user_id", "userId"], set: blank("verified_name", "profile_name"), delete: true }),
  ),
  {
    name: "bulk email opt-outs",
    upstream: "USER_RETIRE_MAILINGS → bulk_email force_optout_all (Optout.get_or_create per enrollment's course)",
    phase: "retire_misc",
    tables: ["bulk_email_optout"],
    historyTables: [],
    probe: ({ learners }) => [rowsWhere("student_courseenrollment", "user_id", userIds(learners))],
    async apply({ em, learners }) {
      // Read, then a plain multi-row INSERT: an INSERT … SELECT takes the table's AUTO-INC lock for the whole
      // statement and shared locks on what it reads, so concurrent learners deadlocked on it ("Failed to read
      // auto-increment value", errno 1467) and ended ERRORED. Only one worker runs a learner's step at a time
      // (the step holds the status rows), so the read cannot go stale before the insert.
      const missing: Array<{ user_id: number; course_id: string }> = await em.query(
        `SELECT DISTINCT e.user_id, e.course_id FROM student_courseenrollment e
         WHERE e.user_id IN (?) AND NOT EXISTS (SELECT 1 FROM bulk_email_optout o WHERE o.user_id = e.user_id AND o.course_id = e.course_id)
         ORDER BY e.user_id, e.course_id`,
        [userIds(learners)],
      );
      if (missing.length > 0) await em.query("INSERT INTO bulk_email_optout (user_id, course_id) VALUES ?", [missing.map((r) => [r.user_id, r.course_id])]);
    },
  },

  // ---- retire/ (AccountRetirementView) and its USER_RETIRE_LMS_CRITICAL receivers ----
  {
    name: "entitlement support comments",
    upstream: "retire: retire_entitlement_support_detail (comments → '')",
    phase: "retire_lms",
    tables: ["entitlements_courseentitlement", "entitlements_courseentitlementsupportdetail"],
    historyTables: [],
    probe: ({ learners }) => [rowsWhere("entitlements_courseentitlement", "user_id", userIds(learners))],
    async apply({ em, learners }) {
      await em.query(
        `UPDATE entitlements_courseentitlementsupportdetail d JOIN entitlements_courseentitlement e ON e.id = d.entitlement_id
         SET d.comments = '' WHERE e.user_id IN (?)`,
        [userIds(learners)],
      );
    },
  },
  tableErasure(
    { name: "ID verification photos", upstream: "USER_RETIRE_LMS_CRITICAL → SoftwareSecurePhotoVerification.retire_user (name, face_image_url, photo_id_image_url, photo_id_key → '')", phase: "retire_lms" },
    [{ table: "verify_student_softwaresecurephotoverification", match: ["user_id", "userId"], set: blank("name", "face_image_url", "photo_id_image_url", "photo_id_key") }],
  ),
  tableErasure(
    { name: "manual and SSO verifications", upstream: "beyond upstream (which keeps them, or deletes manual ones under REDACT_MANUAL_VERIFICATION_HISTORICAL_PII): name and reason → ''", phase: "retire_lms" },
    [
      { table: "verify_student_manualverification", match: ["user_id", "userId"], set: blank("name", "reason") },
      { table: "verify_student_ssoverification", match: ["user_id", "userId"], set: blank("name") },
    ],
  ),
  tableErasure(
    { name: "saved courses and programs", upstream: "USER_RETIRE_LMS_CRITICAL → save_for_later (SavedCourse, SavedProgram deleted by user id; beyond upstream also rows saved under the original email)", phase: "retire_lms" },
    ["save_for_later_savedcourse", "save_for_later_savedprogram"].flatMap((table): TableAction[] => [
      { table, match: ["user_id", "userId"], set: { email: RETIRED_EMAIL }, delete: true },
      { table, match: ["email", "originalEmail"], set: { email: RETIRED_EMAIL }, delete: true },
    ]),
  ),
  tableErasure(
    { name: "data sharing consent", upstream: "retire / edx-enterprise USER_RETIRE_LMS_CRITICAL: DataSharingConsent username → retired username (history too)", phase: "retire_lms" },
    ...withHistory("consent_datasharingconsent", "consent_historicaldatasharingconsent", { match: ["username", "originalUsername"], set: { username: RETIRED_USERNAME } }),
  ),
  {
    name: "SAP SuccessFactors audits",
    upstream: "retire: retire_sapsf_data_transmission (sapsf_user_id → '')",
    phase: "retire_lms",
    tables: ["enterprise_enterprisecustomeruser", "enterprise_enterprisecourseenrollment", "sap_success_factors_sapsuccessfactorslearnerdatatransmission3ce5"],
    historyTables: [],
    probe: ({ learners }) => [rowsWhere("enterprise_enterprisecustomeruser", "user_id", userIds(learners))],
    apply: ({ em, learners }) => blankEnterpriseAudit(em, learners, "sap_success_factors_sapsuccessfactorslearnerdatatransmission3ce5", "sapsf_user_id"),
  },
  {
    name: "Degreed audits",
    upstream: "retire: retire_degreed_data_transmission (degreed_user_email → '')",
    phase: "retire_lms",
    tables: ["enterprise_enterprisecustomeruser", "enterprise_enterprisecourseenrollment", "degreed_degreedlearnerdatatransmissionaudit"],
    historyTables: [],
    probe: ({ learners }) => [rowsWhere("enterprise_enterprisecustomeruser", "user_id", userIds(learners))],
    apply: ({ em, learners }) => blankEnterpriseAudit(em, learners, "degreed_degreedlearnerdatatransmissionaudit", "degreed_user_email"),
  },
  tableErasure(
    {
      name: "pending enterprise users",
      upstream:
        "retire / edx-enterprise: PendingEnterpriseCustomerUser user_email → retired email; upstream filters on the already-swapped email and so never matches: here the original email's rows are redacted, then deleted (history redacted)",
      phase: "retire_lms",
    },
    ...withHistory("enterprise_pendingenterprisecustomeruser", "enterprise_historicalpendingenterprisecustomeruser", { match: ["user_email", "originalEmail"], set: { user_email: RETIRED_EMAIL }, delete: true }),
  ),
];

/** upstream's retire_sapsf/degreed_data_transmission: the audit rows of the learner's enterprise enrollments blanked. */
async function blankEnterpriseAudit(em: EntityManager, learners: readonly LearnerStatus[], table: string, column: string): Promise<void> {
  await em.query(
    `UPDATE \`${table}\` a
     JOIN enterprise_enterprisecourseenrollment ece ON ece.id = a.enterprise_course_enrollment_id
     JOIN enterprise_enterprisecustomeruser ecu ON ecu.id = ece.enterprise_customer_user_id
     SET a.\`${column}\` = '' WHERE ecu.user_id IN (?)`,
    [userIds(learners)],
  );
}

/** Every table any erasure touches (required and history). */
export function erasureTables(erasures: readonly LmsErasure[] = LMS_ERASURES): string[] {
  return [...new Set(erasures.flatMap((e) => [...e.tables, ...e.historyTables]))].sort();
}
