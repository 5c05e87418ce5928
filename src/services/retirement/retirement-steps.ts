import type { EntityManager } from "typeorm";
import { CERTIFICATE_HISTORY_NAMES } from "../../db/lms-schema/families/retirement";
import { lmsSchemaOf } from "../../db/lms-schema/lms-schema-inspector";
import type { AppContext } from "../../app/app-context";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { PdfCertificatePurger, PURGE_BATCH_SIZE } from "../pdf-certificate-purger";
import { CertificateEventEraser } from "../event-bus/certificate-event-eraser";
import type { StepRetryState } from "../../domain/retirement/http-retry-policy";
import type { RetirementStateRow } from "../../domain/retirement/retirement-states";
import { extraErasures } from "./extra-erasures";
import { LMS_ERASURES } from "./lms-erasures";
import { LmsErasureRunner } from "./lms-erasure-runner";
import { ProfileImageEraser } from "./profile-image-eraser";
import { addToPartnerQueue } from "./partner-reporting-queue";
import { UNUSABLE_PASSWORD_PREFIX, unusablePassword } from "../../domain/accounts/unusable-password";
import type { LearnerStatus } from "./retirement-status-store";
import { asError } from "../../util/as-error";
import { PENDING_EMAIL_CHANGE_REDACTED, PENDING_SECONDARY_EMAIL_REDACTED, RECOVERY_EMAIL_REDACTED_SQL } from "../../domain/retirement/redact-before-delete";
import { unenrollResponse } from "../../domain/retirement/unenroll-response";
import { EnrollmentHistory, type EnrollmentRow } from "./enrollment-history";

/** What a step's run knows besides the learner: its START state, and the retry bookkeeping of earlier tries. */
interface StepRun {
  state: RetirementStateRow;
  retry?: StepRetryState;
}

/**
 * One built-in pipeline method. `prepare` does external, idempotent work (S3) with no DB lock held; `apply` makes
 * the DB changes inside the transaction that also moves the learner to the step's END state, while that
 * transaction holds the learner's status row: the changes and the move commit together or not at all, so a
 * crash or a second worker can never apply them twice or interleave them with another step.
 * `apply` takes several learners (the jobs of this process that reach the same step together run it in one
 * transaction, one statement per table for all of them; see RetirementEngine) and returns each learner's response
 * text, recorded in `responses`. Both must be safe to repeat.
 */
export interface RetirementStep {
  prepare?(learner: LearnerStatus, jobId: string, run?: StepRun): Promise<unknown>;
  apply?(em: EntityManager, learners: readonly LearnerStatus[], prepared: readonly unknown[]): Promise<string[]>;
  /** For a step without `apply` (no DB changes of its own): the response text of what `prepare` returned. */
  describe?(prepared: unknown): string;
  /**
   * External work that must come after `apply`'s changes are committed (e.g. the PDF purge, which may be refused
   * and must then leave every other erasure done). When present, `apply` commits first, then `finish` runs with no
   * DB lock, then a second transaction moves the learner to END; all three are safe to repeat after a crash.
   */
  finish?(learners: readonly LearnerStatus[], jobIds: readonly string[]): Promise<Array<Error | undefined>>;
}

/** What upstream's driver records for an endpoint that answers 204 No Content. */
const NO_CONTENT = "None";

const ids = (learners: readonly LearnerStatus[]) => learners.map((l) => l.userId);

/** `CASE <column> WHEN <id> THEN <value> … END`: each learner's own value in one statement over all of them. */
function perLearner(column: string, learners: readonly LearnerStatus[], value: (l: LearnerStatus) => unknown): { sql: string; params: unknown[] } {
  return { sql: `CASE ${column}${" WHEN ? THEN ?".repeat(learners.length)} END`, params: learners.flatMap((l) => [l.userId, value(l)]) };
}

/** Locks the account: unusable password (each its own random one; kept if already unusable), inactive. */
const lockAccount: RetirementStep = {
  async apply(em, learners) {
    const password = perLearner("id", learners, () => unusablePassword());
    await em.query(`UPDATE auth_user SET password = IF(password LIKE CONCAT(?, '%'), password, ${password.sql}), is_active = 0 WHERE id IN (?)`, [
      UNUSABLE_PASSWORD_PREFIX,
      ...password.params,
      ids(learners),
    ]);
    return learners.map(() => NO_CONTENT);
  },
};

/**
 * Upstream's unenroll endpoint (openedx/core/djangoapps/enrollments/views.py `UnenrollmentView.post`): a learner
 * without an active enrollment gets 204 (`None`); otherwise `unenroll_user_from_all_courses` (enrollments/data.py)
 * runs `_update_enrollment(enrollment, is_active=False)` on EVERY enrollment of the learner, active or not, and
 * answers with the set of their course orgs (see enrollment-history.ts for the history rows this writes).
 */
const unenroll = (history: EnrollmentHistory): RetirementStep => ({
  async apply(em, learners) {
    const rows: EnrollmentRow[] = await em.query(
      "SELECT id, user_id, course_id, created, is_active, mode FROM student_courseenrollment WHERE user_id IN (?) ORDER BY user_id, course_id FOR UPDATE",
      [ids(learners)],
    );
    const unenrolled = learners.filter((l) => rows.some((r) => Number(r.user_id) === l.userId && Number(r.is_active) === 1)).map((l) => l.userId);
    if (unenrolled.length > 0) {
      await em.query("UPDATE student_courseenrollment SET is_active = 0 WHERE user_id IN (?) AND is_active = 1", [unenrolled]);
      await history.recordUnenrollment(em, rows.filter((r) => unenrolled.includes(Number(r.user_id))));
    }
    return learners.map((l) =>
      unenrolled.includes(l.userId) ? unenrollResponse(rows.filter((r) => Number(r.user_id) === l.userId).map((r) => r.course_id)) : NO_CONTENT,
    );
  },
});

/**
 * Upstream's retire_misc/ (`LMSAccountRetirementView.post`, user_api/accounts/views.py): pending name changes
 * deleted, the mailing opt-in (UserOrgTag "email-optin", what USER_RETIRE_MAILINGS turns off) set to False, then
 * every retire_misc erasure of lms-erasures.ts (manual enrollment audits and their history, wiki, credit, API access,
 * social auth, the USER_RETIRE_LMS_MISC and USER_RETIRE_MAILINGS receivers) whose tables this LMS has.
 */
const retireMisc = (erasures: LmsErasureRunner): RetirementStep => ({
  async apply(em, learners) {
    await em.query("DELETE FROM student_pendingnamechange WHERE user_id IN (?)", [ids(learners)]);
    await em.query("UPDATE user_api_userorgtag SET value = 'False', modified = UTC_TIMESTAMP(6) WHERE user_id IN (?) AND `key` = 'email-optin'", [ids(learners)]);
    const response = withSkipped(NO_CONTENT, await erasures.run(em, learners, "retire_misc"));
    return learners.map(() => response);
  },
});

/**
 * Purges a learner's legacy PDF certificates (`ids`), files then links, through the foundation's purge. A refused
 * certificate (hostile link) does not stop the others: they are all purged first, then the refusal is raised naming
 * every refused certificate, so the learner goes to ERRORED with nothing else left undone.
 */
async function purgeLearnerPdfCertificates(purger: PdfCertificatePurger, ids: number[], jobId: string): Promise<number[]> {
  const refused: Error[] = [];
  // In batches (one DeleteObjects and one compare-and-set each); a certificate's retryable failure retries the step.
  for (let i = 0; i < ids.length; i += PURGE_BATCH_SIZE) {
    for (const outcome of await purger.purgeBatch(ids.slice(i, i + PURGE_BATCH_SIZE), { jobId })) {
      if (outcome.status === "retry") throw outcome.error;
      if (outcome.status === "refused") refused.push(outcome.error);
    }
  }
  if (refused.length === 1) throw refused[0];
  if (refused.length > 1) throw new PermanentJobError(refused.map((e) => e.message).join("; "));
  return ids;
}

/** Appends the names of erasures skipped for missing tables to a step's response, so `responses` shows them. */
function withSkipped(response: string, skipped: string[]): string {
  return skipped.length === 0 ? response : `${response}\nSkipped (tables not in this LMS): ${skipped.join(", ")}`;
}

/**
 * Upstream's retire/: profile image files deleted first (prepare, no DB lock); then in one transaction profile PII
 * cleared to upstream's values, social links deleted, certificate names blanked (history rows too, as the
 * retirement PII purge does), pending email changes, pending secondary-email changes and the recovery email
 * redacted then deleted, org tags deleted, enrollment-allowed and unregistered cohort rows of the original email deleted, every retire_lms erasure
 * of lms-erasures.ts (entitlements, ID verification, save-for-later, enterprise: the USER_RETIRE_LMS_CRITICAL
 * receivers), then the user renamed to the retired username and email, first/last name blanked and deactivated.
 * Then (finish), with the database PII already cleared, the learner's certificate events are deleted from the bus
 * streams, and last the legacy PDF certificates are purged: a refused link then leaves the learner ERRORED with
 * every other erasure done, and the error names the certificate.
 */
function retireLms(purger: PdfCertificatePurger, images: ProfileImageEraser, erasures: LmsErasureRunner, busEvents: CertificateEventEraser): RetirementStep {
  return {
    prepare: (learner, jobId) => images.erase(learner, jobId),
    // For the learners whose jobs reach it together: one bus scan and one certificate read for all of them, then
    // each learner's own purge, whose refusal or S3 failure is that learner's alone.
    finish: async (learners, jobIds) => {
      await busEvents.eraseLearners(ids(learners));
      const pdfs = await purger.pdfCertificateIdsOfUsers(ids(learners));
      return Promise.all(learners.map((l, k) => purgeLearnerPdfCertificates(purger, pdfs.get(l.userId)!, jobIds[k]).then(() => undefined, asError)));
    },
    async apply(em, learners) {
      const users = ids(learners);
      const originalEmails = learners.map((l) => l.originalEmail);
      await em.query(
        `UPDATE auth_userprofile SET name = '', meta = '', location = '', year_of_birth = NULL, gender = NULL,
           mailing_address = NULL, city = NULL, country = NULL, bio = NULL, phone_number = NULL,
           profile_image_uploaded_at = NULL
         WHERE user_id IN (?)`,
        [users],
      );
      await em.query("DELETE sl FROM student_sociallink sl JOIN auth_userprofile p ON p.id = sl.user_profile_id WHERE p.user_id IN (?)", [users]);
      await em.query("UPDATE certificates_generatedcertificate SET name = '' WHERE user_id IN (?) AND name <> ''", [users]);
      if ((await lmsSchemaOf(em.connection).snapshot(em)).has(CERTIFICATE_HISTORY_NAMES)) {
        await em.query("UPDATE certificates_historicalgeneratedcertificate SET name = '' WHERE user_id IN (?) AND name <> ''", [users]);
      }
      // Redact, then delete (upstream's values, redact-before-delete.ts): replication tools that turn deletes into
      // soft deletes then keep no PII.
      await em.query("UPDATE student_pendingemailchange SET new_email = ? WHERE user_id IN (?)", [PENDING_EMAIL_CHANGE_REDACTED, users]);
      await em.query("DELETE FROM student_pendingemailchange WHERE user_id IN (?)", [users]);
      await em.query("DELETE FROM user_api_userorgtag WHERE user_id IN (?)", [users]);
      await em.query("UPDATE student_pendingsecondaryemailchange SET new_secondary_email = ? WHERE user_id IN (?)", [PENDING_SECONDARY_EMAIL_REDACTED, users]);
      await em.query("DELETE FROM student_pendingsecondaryemailchange WHERE user_id IN (?)", [users]);
      await em.query(`UPDATE auth_accountrecovery SET secondary_email = ${RECOVERY_EMAIL_REDACTED_SQL} WHERE user_id IN (?)`, [users]);
      await em.query("DELETE FROM auth_accountrecovery WHERE user_id IN (?)", [users]);
      await em.query("DELETE FROM student_courseenrollmentallowed WHERE email IN (?)", [originalEmails]);
      await em.query("DELETE FROM course_groups_unregisteredlearnercohortassignments WHERE email IN (?)", [originalEmails]);
      const skipped = await erasures.run(em, learners, "retire_lms");
      const username = perLearner("id", learners, (l) => l.retiredUsername);
      const email = perLearner("id", learners, (l) => l.retiredEmail);
      await em.query(`UPDATE auth_user SET first_name = '', last_name = '', is_active = 0, username = ${username.sql}, email = ${email.sql} WHERE id IN (?)`, [
        ...username.params,
        ...email.params,
        users,
      ]);
      const response = withSkipped(NO_CONTENT, skipped);
      return learners.map(() => response);
    },
  };
}

/** upstream's partner queue step (its `retirement_partner_queue`), on the database; responds `None` like upstream's 204. */
const partnerQueue: RetirementStep = {
  async apply(em, learners) {
    await addToPartnerQueue(em, learners);
    return learners.map(() => NO_CONTENT);
  },
};

/** The PDF purge alone, for operators who give it its own states. Answers with the purged certificate ids. */
function purgePdfCertificates(purger: PdfCertificatePurger): RetirementStep {
  return {
    prepare: async (learner, jobId) => purgeLearnerPdfCertificates(purger, (await purger.pdfCertificateIdsOfUsers([learner.userId])).get(learner.userId)!, jobId),
    describe: (prepared) => JSON.stringify(prepared),
  };
}

/** Built-in steps by "SERVICE.method". */
export function builtInSteps(ctx: AppContext): Map<string, RetirementStep> {
  const purger = new PdfCertificatePurger(ctx.dataSource, ctx.s3, ctx.config.certificates, ctx.logger, ctx.certificateEvents);
  // The operator's RETIREMENT_EXTRA_ERASURES run after the built-ins of their step, in the same transaction.
  const erasures = new LmsErasureRunner(ctx.dataSource, ctx.config.retirement, [...LMS_ERASURES, ...extraErasures(ctx.config.extraErasures)]);
  const images = new ProfileImageEraser(ctx.s3, ctx.config.erasure.profileImages, ctx.logger);
  const busEvents = new CertificateEventEraser(ctx.dataSource, ctx.config.eventBus, ctx.eventBus, ctx.logger);
  return new Map<string, RetirementStep>([
    ["LMS.lock_account", lockAccount],
    ["LMS.unenroll", unenroll(new EnrollmentHistory(ctx.config.retirement.serviceWorkerUsername))],
    ["LMS.retire_misc", retireMisc(erasures)],
    ["LMS.retire_lms", retireLms(purger, images, erasures, busEvents)],
    ["LMS.purge_pdf_certificates", purgePdfCertificates(purger)],
    ["LMS.add_to_partner_queue", partnerQueue],
  ]);
}
