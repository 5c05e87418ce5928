import type { LmsTableUse } from "../lms-table-use";

/** Every column of GeneratedCertificate: generation writes whole rows and copies them into the history table. */
const CERTIFICATE_COLUMNS = ["id", "user_id", "course_id", "verify_uuid", "download_uuid", "download_url", "grade", "key", "distinction", "status", "mode", "name", "created_date", "modified_date", "error_reason"];
/** What django-simple-history adds to a copied row. */
const HISTORY_COLUMNS = ["history_id", "history_date", "history_change_reason", "history_type", "history_user_id"];
/** Upstream's IDVerificationService reads each approved verification's dates. */
const VERIFICATION_COLUMNS = ["user_id", "status", "created_at", "updated_at", "expiration_date"];
const OVERRIDE_COLUMNS = ["id", "created", "modified", "date", "reason", "generated_certificate_id", "overridden_by_id"];
/** edx-platform's ConfigurationModel with an `arguments` text. */
export const ARGUMENTS_CONFIGURATION_COLUMNS = ["id", "change_date", "changed_by_id", "enabled", "arguments"];

export const GENERATED_CERTIFICATES: LmsTableUse = { table: "certificates_generatedcertificate", columns: CERTIFICATE_COLUMNS };

export const CERTIFICATE_HISTORY: LmsTableUse = {
  table: "certificates_historicalgeneratedcertificate",
  columns: [...CERTIFICATE_COLUMNS, ...HISTORY_COLUMNS],
  optional: { because: "history", skipped: "the history row of each certificate generation writes" },
};

/** VerificationAttempt, the generic verification model (IDVerificationService reads it beside the three older ones). */
export const VERIFICATION_ATTEMPTS: LmsTableUse = {
  table: "verify_student_verificationattempt",
  columns: ["user_id", "status", "created_at", "updated_at", "expiration_datetime"],
  optional: {
    because: "newer",
    skipped: "verification attempts: ID verification is decided on photo, SSO and manual verifications only, as upstream does before Sumac",
  },
  addedIn: {
    release: "Sumac",
    // 0015 created the table; 0016_remove_verificationattempt_created_and_more (2024-09-26) added created_at and
    // updated_at: both before Sumac's cut.
    migration: "lms/djangoapps/verify_student/migrations/0015_verificationattempt.py",
    generated: "2024-08-26",
  },
};

export const DATE_OVERRIDES: LmsTableUse = { table: "certificates_certificatedateoverride", columns: OVERRIDE_COLUMNS };

export const DATE_OVERRIDE_HISTORY: LmsTableUse = {
  table: "certificates_historicalcertificatedateoverride",
  columns: [...OVERRIDE_COLUMNS, ...HISTORY_COLUMNS],
  optional: { because: "history", skipped: "date override history: changes write no history row and pages show none" },
};

export const GENERATION_COMMAND_CONFIGURATION: LmsTableUse = { table: "certificates_certificategenerationcommandconfiguration", columns: ARGUMENTS_CONFIGURATION_COLUMNS };

/** The certificate summary the date override commands and pages show, and the acting user they check. */
export const OVERRIDDEN_CERTIFICATES: LmsTableUse = {
  table: "certificates_generatedcertificate",
  columns: ["id", "user_id", "course_id", "status", "mode", "grade", "created_date", "modified_date"],
};

/**
 * edx-name-affirmation's tables, for get_preferred_certificate_name: an LMS without the plugin lacks them, and
 * certificate names are then the profile name (as upstream without the plugin).
 */
export const VERIFIED_NAMES: LmsTableUse = {
  table: "nameaffirmation_verifiedname",
  columns: ["user_id", "verified_name", "status", "created", "id"],
  optional: { because: "app", skipped: "verified names on certificates: the name is the profile name" },
};
export const VERIFIED_NAME_CONFIGS: LmsTableUse = {
  table: "nameaffirmation_verifiednameconfig",
  columns: ["id", "user_id", "change_date", "use_verified_name_for_certs"],
  optional: { because: "app", skipped: "verified names on certificates: the name is the profile name" },
};

export const GENERATION_TABLES: LmsTableUse[] = [
  { table: "auth_user", columns: ["id"] },
  { table: "auth_userprofile", columns: ["user_id", "name"] },
  { table: "student_courseenrollment", columns: ["id", "user_id", "course_id", "mode"] },
  { table: "student_courseaccessrole", columns: ["user_id", "course_id", "org", "role"] },
  { table: "course_overviews_courseoverview", columns: ["id", "cert_html_view_enabled"] },
  { table: "grades_persistentcoursegrade", columns: ["user_id", "course_id", "percent_grade", "letter_grade"] },
  { table: "certificates_certificateallowlist", columns: ["user_id", "course_id", "allowlist"] },
  { table: "certificates_certificateinvalidation", columns: ["generated_certificate_id", "active"] },
  GENERATED_CERTIFICATES,
  CERTIFICATE_HISTORY,
  { table: "verify_student_softwaresecurephotoverification", columns: VERIFICATION_COLUMNS },
  { table: "verify_student_ssoverification", columns: VERIFICATION_COLUMNS },
  { table: "verify_student_manualverification", columns: VERIFICATION_COLUMNS },
  VERIFICATION_ATTEMPTS,
  GENERATION_COMMAND_CONFIGURATION,
  DATE_OVERRIDES,
  DATE_OVERRIDE_HISTORY,
  VERIFIED_NAMES,
  VERIFIED_NAME_CONFIGS,
  // A passing certificate fulfils its course's milestones (prerequisite courses; edx-milestones is always installed).
  { table: "milestones_coursemilestone", columns: ["course_id", "active", "milestone_id", "milestone_relationship_type_id"] },
  { table: "milestones_milestonerelationshiptype", columns: ["id", "name", "active"] },
  { table: "milestones_usermilestone", columns: ["created", "modified", "user_id", "source", "collected", "active", "milestone_id"] },
];
