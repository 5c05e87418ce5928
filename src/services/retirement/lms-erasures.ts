import type { EntityManager } from "typeorm";
import { retiredExternalKeyFor } from "../../domain/retirement/retired-identifiers";
import type { RetirementConfig } from "../../config";
import type { LearnerStatus } from "./retirement-status-store";

/** Which built-in step runs an erasure: upstream's `retire_misc/` (+ its signals) or `retire/` (+ USER_RETIRE_LMS_CRITICAL). */
export type ErasurePhase = "retire_misc" | "retire_lms";

interface ErasureContext {
  em: EntityManager;
  learner: LearnerStatus;
  retirement: Pick<RetirementConfig, "salts">;
}

/**
 * One upstream erasure of an app's LMS tables, with upstream's exact values. Each runs inside the step's
 * transaction (the learner's status row is held) and is idempotent: running it twice changes nothing more.
 * `tables` lists every table it touches: an LMS without one of them (the app is not installed) skips the erasure.
 */
export interface LmsErasure {
  name: string;
  /** The upstream code this reproduces (receiver or view method), for docs and logs. */
  upstream: string;
  phase: ErasurePhase;
  tables: string[];
  apply(c: ErasureContext): Promise<void>;
}

/** upstream's per-record redacted social-auth uid (user_api.accounts.signals.get_redacted_social_auth_uid). */
const REDACTED_UID = "CONCAT('redacted-before-delete-', id, '@safe.com')";

/** Upstream's JSON fields hold `{}` once retired (parameters, reason). */
const EMPTY_JSON = "{}";

export const LMS_ERASURES: LmsErasure[] = [
  // ---- retire_misc/ (LMSAccountRetirementView) and its USER_RETIRE_LMS_MISC / USER_RETIRE_MAILINGS receivers ----
  {
    name: "wiki revisions",
    upstream: "retire_misc: ArticleRevision.retire_user, RevisionPluginRevision.retire_user (django-wiki)",
    phase: "retire_misc",
    tables: ["wiki_articlerevision", "wiki_revisionpluginrevision"],
    async apply({ em, learner }) {
      await em.query("UPDATE wiki_articlerevision SET ip_address = NULL WHERE user_id = ? AND ip_address IS NOT NULL", [learner.userId]);
      await em.query("UPDATE wiki_revisionpluginrevision SET ip_address = NULL WHERE user_id = ? AND ip_address IS NOT NULL", [learner.userId]);
    },
  },
  {
    name: "credit requests",
    upstream: "retire_misc: CreditRequest.retire_user (username → retired username, parameters → {})",
    phase: "retire_misc",
    tables: ["credit_creditrequest", "credit_historicalcreditrequest"],
    async apply({ em, learner }) {
      for (const table of ["credit_creditrequest", "credit_historicalcreditrequest"]) {
        await em.query(`UPDATE ${table} SET username = ?, parameters = ? WHERE username = ?`, [learner.retiredUsername, EMPTY_JSON, learner.originalUsername]);
      }
    },
  },
  {
    name: "credit requirement statuses",
    upstream: "retire_misc: CreditRequirementStatus.retire_user (username → retired username, reason → {})",
    phase: "retire_misc",
    tables: ["credit_creditrequirementstatus", "credit_historicalcreditrequirementstatus"],
    async apply({ em, learner }) {
      for (const table of ["credit_creditrequirementstatus", "credit_historicalcreditrequirementstatus"]) {
        await em.query(`UPDATE ${table} SET username = ?, reason = ? WHERE username = ?`, [learner.retiredUsername, EMPTY_JSON, learner.originalUsername]);
      }
    },
  },
  {
    name: "API access requests",
    upstream: "retire_misc: ApiAccessRequest.retire_user (website, company_address, company_name, reason → '')",
    phase: "retire_misc",
    tables: ["api_admin_apiaccessrequest", "api_admin_historicalapiaccessrequest"],
    async apply({ em, learner }) {
      for (const table of ["api_admin_apiaccessrequest", "api_admin_historicalapiaccessrequest"]) {
        await em.query(`UPDATE ${table} SET website = '', company_address = '', company_name = '', reason = '' WHERE user_id = ?`, [learner.userId]);
      }
    },
  },
  {
    name: "social auth links",
    upstream: "deactivate_logout: UserSocialAuth deleted, redacted first by the pre_delete receiver (catch-up for links made since)",
    phase: "retire_misc",
    tables: ["social_auth_usersocialauth"],
    async apply({ em, learner }) {
      await em.query(`UPDATE social_auth_usersocialauth SET uid = ${REDACTED_UID}, extra_data = '{}' WHERE user_id = ?`, [learner.userId]);
      await em.query("DELETE FROM social_auth_usersocialauth WHERE user_id = ?", [learner.userId]);
    },
  },
  {
    name: "historical social auth",
    upstream: "retire_misc: redact_and_delete_historical_social_auth (uid → redacted-before-delete-<id>@safe.com, extra_data cleared, then deleted)",
    phase: "retire_misc",
    tables: ["support_historicalusersocialauth"],
    async apply({ em, learner }) {
      await em.query(`UPDATE support_historicalusersocialauth SET uid = ${REDACTED_UID}, extra_data = '{}' WHERE user_id = ?`, [learner.userId]);
      await em.query("DELETE FROM support_historicalusersocialauth WHERE user_id = ?", [learner.userId]);
    },
  },
  {
    name: "program enrollments",
    upstream: "USER_RETIRE_LMS_MISC → ProgramEnrollment.retire_user (external_user_key → retired_external_key_<sha1>, history rows too)",
    phase: "retire_misc",
    tables: ["program_enrollments_programenrollment", "program_enrollments_historicalprogramenrollment"],
    async apply({ em, learner, retirement }) {
      const rows: Array<{ id: number; external_user_key: string | null }> = await em.query(
        "SELECT id, external_user_key FROM program_enrollments_programenrollment WHERE user_id = ? ORDER BY id",
        [learner.userId],
      );
      for (const row of rows) {
        if (row.external_user_key === null) continue;
        // Already retired keys are left alone, so a second run does not hash the hash.
        if (row.external_user_key.startsWith("retired_external_key_")) continue;
        const retired = retiredExternalKeyFor(row.external_user_key, retirement.salts);
        await em.query("UPDATE program_enrollments_historicalprogramenrollment SET external_user_key = ? WHERE id = ?", [retired, row.id]);
        await em.query("UPDATE program_enrollments_programenrollment SET external_user_key = ?, modified = UTC_TIMESTAMP(6) WHERE id = ?", [retired, row.id]);
      }
    },
  },
  {
    name: "survey answers",
    upstream: "USER_RETIRE_LMS_MISC → SurveyAnswer.retire_user (field_value → '')",
    phase: "retire_misc",
    tables: ["survey_surveyanswer"],
    async apply({ em, learner }) {
      await em.query("UPDATE survey_surveyanswer SET field_value = '' WHERE user_id = ? AND field_value <> ''", [learner.userId]);
    },
  },
  {
    name: "verification attempts",
    upstream: "USER_RETIRE_LMS_MISC → VerificationAttempt.retire_user (deleted; name redacted first)",
    phase: "retire_misc",
    tables: ["verify_student_verificationattempt"],
    async apply({ em, learner }) {
      await em.query("UPDATE verify_student_verificationattempt SET name = '' WHERE user_id = ?", [learner.userId]);
      await em.query("DELETE FROM verify_student_verificationattempt WHERE user_id = ?", [learner.userId]);
    },
  },
  {
    name: "verified names",
    upstream: "USER_RETIRE_LMS_MISC → VerifiedName.retire_user (edx-name-affirmation: deleted; history rows redacted)",
    phase: "retire_misc",
    tables: ["nameaffirmation_verifiedname", "edx_name_affirmation_historicalverifiedname"],
    async apply({ em, learner }) {
      await em.query("UPDATE nameaffirmation_verifiedname SET verified_name = '', profile_name = '' WHERE user_id = ?", [learner.userId]);
      await em.query("DELETE FROM nameaffirmation_verifiedname WHERE user_id = ?", [learner.userId]);
      await em.query("UPDATE edx_name_affirmation_historicalverifiedname SET verified_name = '', profile_name = '' WHERE user_id = ?", [learner.userId]);
    },
  },
  {
    name: "bulk email opt-outs",
    upstream: "USER_RETIRE_MAILINGS → bulk_email force_optout_all (an Optout row per enrolled course)",
    phase: "retire_misc",
    tables: ["bulk_email_optout"],
    async apply({ em, learner }) {
      // Read, then a plain multi-row INSERT: an INSERT … SELECT takes the table's AUTO-INC lock for the whole
      // statement and shared locks on what it reads, so concurrent learners deadlocked on it ("Failed to read
      // auto-increment value", errno 1467) and ended ERRORED. Only one worker runs this learner's step at a time
      // (the step holds the status row), so the read cannot go stale before the insert.
      const missing: Array<{ course_id: string }> = await em.query(
        `SELECT DISTINCT e.course_id FROM student_courseenrollment e
         WHERE e.user_id = ? AND NOT EXISTS (SELECT 1 FROM bulk_email_optout o WHERE o.user_id = e.user_id AND o.course_id = e.course_id)`,
        [learner.userId],
      );
      if (missing.length > 0) await em.query("INSERT INTO bulk_email_optout (user_id, course_id) VALUES ?", [missing.map((r) => [learner.userId, r.course_id])]);
    },
  },

  // ---- retire/ (AccountRetirementView) and its USER_RETIRE_LMS_CRITICAL receivers ----
  {
    name: "entitlement support comments",
    upstream: "retire: retire_entitlement_support_detail (comments → '')",
    phase: "retire_lms",
    tables: ["entitlements_courseentitlement", "entitlements_courseentitlementsupportdetail"],
    async apply({ em, learner }) {
      await em.query(
        `UPDATE entitlements_courseentitlementsupportdetail d JOIN entitlements_courseentitlement e ON e.id = d.entitlement_id
         SET d.comments = '' WHERE e.user_id = ?`,
        [learner.userId],
      );
    },
  },
  {
    name: "ID verification photos",
    upstream: "USER_RETIRE_LMS_CRITICAL → SoftwareSecurePhotoVerification.retire_user (name, face_image_url, photo_id_image_url, photo_id_key → '')",
    phase: "retire_lms",
    tables: ["verify_student_softwaresecurephotoverification"],
    async apply({ em, learner }) {
      await em.query(
        "UPDATE verify_student_softwaresecurephotoverification SET name = '', face_image_url = '', photo_id_image_url = '', photo_id_key = '' WHERE user_id = ?",
        [learner.userId],
      );
    },
  },
  {
    name: "manual and SSO verifications",
    upstream: "beyond upstream (which keeps them, or deletes manual ones under REDACT_MANUAL_VERIFICATION_HISTORICAL_PII): name and reason → ''",
    phase: "retire_lms",
    tables: ["verify_student_manualverification", "verify_student_ssoverification"],
    async apply({ em, learner }) {
      await em.query("UPDATE verify_student_manualverification SET name = '', reason = '' WHERE user_id = ?", [learner.userId]);
      await em.query("UPDATE verify_student_ssoverification SET name = '' WHERE user_id = ?", [learner.userId]);
    },
  },
  {
    name: "saved courses and programs",
    upstream: "USER_RETIRE_LMS_CRITICAL → save_for_later (SavedCourse, SavedProgram deleted; also rows saved under the original email)",
    phase: "retire_lms",
    tables: ["save_for_later_savedcourse", "save_for_later_savedprogram"],
    async apply({ em, learner }) {
      for (const table of ["save_for_later_savedcourse", "save_for_later_savedprogram"]) {
        await em.query(`UPDATE ${table} SET email = ? WHERE user_id = ? OR email = ?`, [learner.retiredEmail, learner.userId, learner.originalEmail]);
        await em.query(`DELETE FROM ${table} WHERE user_id = ? OR email = ?`, [learner.userId, learner.retiredEmail]);
      }
    },
  },
  {
    name: "data sharing consent",
    upstream: "retire / edx-enterprise USER_RETIRE_LMS_CRITICAL: DataSharingConsent username → retired username (history too)",
    phase: "retire_lms",
    tables: ["consent_datasharingconsent", "consent_historicaldatasharingconsent"],
    async apply({ em, learner }) {
      for (const table of ["consent_datasharingconsent", "consent_historicaldatasharingconsent"]) {
        await em.query(`UPDATE ${table} SET username = ? WHERE username = ?`, [learner.retiredUsername, learner.originalUsername]);
      }
    },
  },
  {
    name: "SAP SuccessFactors audits",
    upstream: "retire: retire_sapsf_data_transmission (sapsf_user_id → '')",
    phase: "retire_lms",
    tables: ["enterprise_enterprisecustomeruser", "enterprise_enterprisecourseenrollment", "sap_success_factors_sapsuccessfactorslearnerdatatransmission3ce5"],
    async apply({ em, learner }) {
      await em.query(
        `UPDATE sap_success_factors_sapsuccessfactorslearnerdatatransmission3ce5 a
         JOIN enterprise_enterprisecourseenrollment ece ON ece.id = a.enterprise_course_enrollment_id
         JOIN enterprise_enterprisecustomeruser ecu ON ecu.id = ece.enterprise_customer_user_id
         SET a.sapsf_user_id = '' WHERE ecu.user_id = ?`,
        [learner.userId],
      );
    },
  },
  {
    name: "Degreed audits",
    upstream: "retire: retire_degreed_data_transmission (degreed_user_email → '')",
    phase: "retire_lms",
    tables: ["enterprise_enterprisecustomeruser", "enterprise_enterprisecourseenrollment", "degreed_degreedlearnerdatatransmissionaudit"],
    async apply({ em, learner }) {
      await em.query(
        `UPDATE degreed_degreedlearnerdatatransmissionaudit a
         JOIN enterprise_enterprisecourseenrollment ece ON ece.id = a.enterprise_course_enrollment_id
         JOIN enterprise_enterprisecustomeruser ecu ON ecu.id = ece.enterprise_customer_user_id
         SET a.degreed_user_email = '' WHERE ecu.user_id = ?`,
        [learner.userId],
      );
    },
  },
  {
    name: "pending enterprise users",
    upstream:
      "retire / edx-enterprise: PendingEnterpriseCustomerUser user_email → retired email; upstream filters on the already-swapped email and so never matches: here the original email's rows are redacted, then deleted (history redacted)",
    phase: "retire_lms",
    tables: ["enterprise_pendingenterprisecustomeruser", "enterprise_historicalpendingenterprisecustomeruser"],
    async apply({ em, learner }) {
      await em.query("UPDATE enterprise_pendingenterprisecustomeruser SET user_email = ? WHERE user_email = ?", [learner.retiredEmail, learner.originalEmail]);
      await em.query("DELETE FROM enterprise_pendingenterprisecustomeruser WHERE user_email = ?", [learner.retiredEmail]);
      await em.query("UPDATE enterprise_historicalpendingenterprisecustomeruser SET user_email = ? WHERE user_email = ?", [learner.retiredEmail, learner.originalEmail]);
    },
  },
];

/** Every table any erasure touches. */
export function erasureTables(erasures: readonly LmsErasure[] = LMS_ERASURES): string[] {
  return [...new Set(erasures.flatMap((e) => e.tables))].sort();
}
