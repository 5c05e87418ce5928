import type { AddedIn, LmsTableUse, OptionalBecause } from "../lms-table-use";

export const RETIREMENT_STATES: LmsTableUse = {
  table: "user_api_retirementstate",
  columns: ["id", "state_name", "state_execution_order", "is_dead_end_state", "required"],
};

export const RETIREMENT_STATUSES: LmsTableUse = {
  table: "user_api_userretirementstatus",
  columns: ["id", "created", "modified", "user_id", "original_username", "original_email", "original_name", "retired_username", "retired_email", "responses", "current_state_id", "last_state_id"],
};

/** retire_lms blanks the learner's name in the certificates' history rows too. */
export const CERTIFICATE_HISTORY_NAMES: LmsTableUse = {
  table: "certificates_historicalgeneratedcertificate",
  columns: ["user_id", "name"],
  optional: { because: "history", skipped: "blanking the learner's name in certificate history rows" },
};

/**
 * request-retirement records each deleted social-auth link as a `-` history row, as the support app's simple-history
 * registration of UserSocialAuth does (lms/djangoapps/support/models.py).
 */
export const SOCIAL_AUTH_HISTORY: LmsTableUse = {
  table: "support_historicalusersocialauth",
  columns: ["id", "provider", "uid", "extra_data", "created", "modified", "history_date", "history_change_reason", "history_type", "history_user_id", "user_id"],
  optional: { because: "history", skipped: "the history row recording a social-auth link deleted by request-retirement" },
};

/** unenroll's saves of CourseEnrollment, as simple-history records them (enrollment-history.ts). */
export const ENROLLMENT_HISTORY: LmsTableUse = {
  table: "student_courseenrollment_history",
  columns: ["id", "created", "is_active", "mode", "history_id", "history_date", "history_change_reason", "history_type", "course_id", "history_user_id", "user_id"],
  optional: { because: "history", skipped: "the enrollment history rows of unenroll" },
};

/**
 * django-oauth-toolkit's migration 0004_auto_20200902_2022 (DOT 1.5.0, OpenID Connect) created the IDToken table and
 * added AccessToken.id_token (a OneToOneField, CASCADE). edx-platform held DOT at 1.3.2 (requirements/constraints.txt,
 * PR #25392) until PR #32631 (July 2023); master pinned DOT 1.6.2 by 2023-09-26 (PR #33341's diff, which then
 * raised it to 1.7.1), so Quince is the first release with them; the 2023-02 schema has DOT's 0001-0002 only.
 */
const DOT_OIDC_ADDED_IN: AddedIn = {
  release: "Quince",
  migration: "jazzband/django-oauth-toolkit oauth2_provider/migrations/0004_auto_20200902_2022.py",
  generated: "2021-03-17",
  adoptedBy: { change: "openedx/edx-platform requirements/constraints.txt: django-oauth-toolkit==1.6.2 (PR #32631, July 2023; shown by PR #33341)", date: "2023-09-26" },
};

/** The ID tokens issued to a learner's applications, deleted with them as Django's CASCADE deletes them. */
export const DOT_ID_TOKENS: LmsTableUse = {
  table: "oauth2_provider_idtoken",
  columns: ["id", "application_id"],
  optional: { because: "newer", skipped: "ID tokens: an LMS before Quince has no OpenID Connect ID tokens to delete with a learner's applications" },
  addedIn: DOT_OIDC_ADDED_IN,
};

/** The access tokens of those ID tokens, which CASCADE deletes along. */
export const DOT_ACCESS_TOKEN_ID_TOKENS: LmsTableUse = {
  table: "oauth2_provider_accesstoken",
  columns: ["id_token_id"],
  optional: { because: "newer", skipped: "the access tokens of deleted ID tokens: an LMS before Quince has no such link" },
  addedIn: DOT_OIDC_ADDED_IN,
};

/** What request-retirement deletes as upstream's create_retirement_request_and_deactivate_account does. */
const ACCOUNT_DEACTIVATION_TABLES: LmsTableUse[] = [
  { table: "social_auth_usersocialauth", columns: ["id", "user_id", "provider", "uid", "extra_data", "created", "modified"] },
  SOCIAL_AUTH_HISTORY,
  { table: "auth_registration", columns: ["user_id"] },
  { table: "oauth2_provider_application", columns: ["id", "user_id"] },
  { table: "oauth2_provider_accesstoken", columns: ["id", "user_id", "application_id", "source_refresh_token_id"] },
  DOT_ACCESS_TOKEN_ID_TOKENS,
  DOT_ID_TOKENS,
  { table: "oauth2_provider_refreshtoken", columns: ["id", "user_id", "application_id", "access_token_id"] },
  { table: "oauth2_provider_grant", columns: ["user_id", "application_id"] },
  { table: "oauth_dispatch_applicationaccess", columns: ["application_id"] },
  { table: "oauth_dispatch_applicationorganization", columns: ["application_id"] },
  { table: "oauth_dispatch_restrictedapplication", columns: ["application_id"] },
];

/** A table an erasure of lms-erasures.ts changes; optional ones skip only that erasure (or that history redaction). */
function erasure(table: string, columns: string[], optional?: { because: OptionalBecause; erasure: string }): LmsTableUse {
  if (!optional) return { table, columns };
  const skipped = optional.because === "history" ? `the redaction of the "${optional.erasure}" history rows` : `the "${optional.erasure}" erasure`;
  return { table, columns, optional: { because: optional.because, skipped } };
}

/** The tables of upstream's retirement receivers and views (src/services/retirement/lms-erasures.ts). */
const ERASURE_TABLES: LmsTableUse[] = [
  erasure("wiki_articlerevision", ["user_id", "ip_address"], { because: "app", erasure: "wiki revisions" }),
  erasure("wiki_revisionpluginrevision", ["user_id", "ip_address"], { because: "app", erasure: "wiki revisions" }),
  erasure("credit_creditrequest", ["username", "parameters"], { because: "app", erasure: "credit requests" }),
  erasure("credit_historicalcreditrequest", ["username", "parameters"], { because: "history", erasure: "credit requests" }),
  erasure("credit_creditrequirementstatus", ["username", "reason"], { because: "app", erasure: "credit requirement statuses" }),
  erasure("credit_historicalcreditrequirementstatus", ["username", "reason"], { because: "history", erasure: "credit requirement statuses" }),
  erasure("credit_crediteligibility", ["username"], { because: "app", erasure: "credit eligibilities" }),
  erasure("api_admin_apiaccessrequest", ["user_id", "website", "company_address", "company_name", "reason"]),
  erasure("api_admin_historicalapiaccessrequest", ["user_id", "website", "company_address", "company_name", "reason"], { because: "history", erasure: "API access requests" }),
  erasure("social_auth_usersocialauth", ["id", "user_id", "uid", "extra_data"]),
  erasure("support_historicalusersocialauth", ["history_id", "user_id", "uid", "extra_data"], { because: "history", erasure: "historical social auth" }),
  erasure("student_historicalmanualenrollmentaudit", ["id", "enrolled_email", "reason"], { because: "history", erasure: "manual enrollment audits" }),
  erasure("program_enrollments_programenrollment", ["id", "user_id", "external_user_key", "modified"], { because: "app", erasure: "program enrollments" }),
  erasure("program_enrollments_historicalprogramenrollment", ["id", "external_user_key"], { because: "history", erasure: "program enrollments" }),
  erasure("survey_surveyanswer", ["user_id", "field_value"]),
  {
    table: "verify_student_verificationattempt",
    columns: ["user_id", "name"],
    optional: { because: "newer", skipped: 'the "verification attempts" erasure (an LMS before Sumac has no such rows)' },
    addedIn: { release: "Sumac", migration: "lms/djangoapps/verify_student/migrations/0015_verificationattempt.py", generated: "2024-08-26" },
  },
  erasure("nameaffirmation_verifiedname", ["user_id", "verified_name", "profile_name"], { because: "app", erasure: "verified names" }),
  erasure("edx_name_affirmation_historicalverifiedname", ["user_id", "verified_name", "profile_name"], { because: "history", erasure: "verified names" }),
  erasure("bulk_email_optout", ["user_id", "course_id"]),
  erasure("entitlements_courseentitlement", ["id", "user_id"]),
  erasure("entitlements_courseentitlementsupportdetail", ["entitlement_id", "comments"]),
  erasure("verify_student_softwaresecurephotoverification", ["user_id", "name", "face_image_url", "photo_id_image_url", "photo_id_key"]),
  erasure("verify_student_manualverification", ["user_id", "name", "reason"]),
  erasure("verify_student_ssoverification", ["user_id", "name"]),
  erasure("save_for_later_savedcourse", ["user_id", "email"]),
  erasure("save_for_later_savedprogram", ["user_id", "email"]),
  erasure("consent_datasharingconsent", ["username"], { because: "app", erasure: "data sharing consent" }),
  erasure("consent_historicaldatasharingconsent", ["username"], { because: "history", erasure: "data sharing consent" }),
  erasure("enterprise_enterprisecustomeruser", ["id", "user_id"], { because: "app", erasure: "SAP SuccessFactors audits" }),
  erasure("enterprise_enterprisecourseenrollment", ["id", "enterprise_customer_user_id"], { because: "app", erasure: "SAP SuccessFactors audits" }),
  erasure("sap_success_factors_sapsuccessfactorslearnerdatatransmission3ce5", ["enterprise_course_enrollment_id", "sapsf_user_id"], { because: "app", erasure: "SAP SuccessFactors audits" }),
  erasure("degreed_degreedlearnerdatatransmissionaudit", ["enterprise_course_enrollment_id", "degreed_user_email"], { because: "app", erasure: "Degreed audits" }),
  erasure("enterprise_pendingenterprisecustomeruser", ["user_email"], { because: "app", erasure: "pending enterprise users" }),
  erasure("enterprise_historicalpendingenterprisecustomeruser", ["user_email"], { because: "history", erasure: "pending enterprise users" }),
];

// credit_historical* and api_admin_historicalapiaccessrequest: edx-platform deleted these history models in 2016
// (credit, api_admin 0007_delete_historical_api_records); lms-erasures.ts redacts them only where they still exist.

export const RETIREMENT_TABLES: LmsTableUse[] = [
  { table: "auth_user", columns: ["id", "username", "email", "password", "first_name", "last_name", "is_active"] },
  {
    table: "auth_userprofile",
    columns: ["id", "user_id", "name", "meta", "location", "year_of_birth", "gender", "mailing_address", "city", "country", "bio", "phone_number", "profile_image_uploaded_at"],
  },
  RETIREMENT_STATES,
  RETIREMENT_STATUSES,
  { table: "user_api_userretirementrequest", columns: ["id", "created", "modified", "user_id"] },
  { table: "user_api_userretirementpartnerreportingstatus", columns: ["created", "modified", "user_id", "original_username", "original_email", "original_name", "is_being_processed"] },
  { table: "user_api_userorgtag", columns: ["user_id", "key", "value", "modified"] },
  { table: "student_courseenrollment", columns: ["id", "user_id", "course_id", "is_active", "created", "mode"] },
  ENROLLMENT_HISTORY,
  { table: "student_pendingnamechange", columns: ["user_id"] },
  { table: "student_manualenrollmentaudit", columns: ["id", "enrollment_id", "enrolled_email", "reason"] },
  { table: "student_sociallink", columns: ["user_profile_id"] },
  { table: "student_pendingemailchange", columns: ["user_id", "new_email"] },
  { table: "student_pendingsecondaryemailchange", columns: ["user_id", "new_secondary_email"] },
  { table: "auth_accountrecovery", columns: ["user_id", "secondary_email", "is_active"] },
  { table: "student_courseenrollmentallowed", columns: ["email"] },
  { table: "course_groups_unregisteredlearnercohortassignments", columns: ["email"] },
  // Names blanked at retire_lms, the PDF purge's columns (its last part), the certificate events it erases.
  { table: "certificates_generatedcertificate", columns: ["id", "user_id", "course_id", "name", "download_url", "download_uuid", "verify_uuid", "mode", "grade", "status"] },
  CERTIFICATE_HISTORY_NAMES,
  ...ACCOUNT_DEACTIVATION_TABLES,
  ...ERASURE_TABLES,
];
