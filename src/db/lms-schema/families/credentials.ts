import type { LmsTableUse } from "../lms-table-use";

/**
 * What award_course_certificate reads before it sends a course certificate to Credentials: the API configuration,
 * the org's site configuration, the auto-generation switch (visible date), the learner's username and eligible
 * certificate, the course overview's certificate dates and the date override.
 */
export const CREDENTIALS_TABLES: LmsTableUse[] = [
  { table: "credentials_credentialsapiconfig", columns: ["id", "change_date", "enabled", "enable_learner_issuance"] },
  { table: "site_configuration_siteconfiguration", columns: ["id", "enabled", "site_values"] },
  { table: "waffle_switch", columns: ["name", "active"] },
  { table: "auth_user", columns: ["id", "username"] },
  { table: "certificates_generatedcertificate", columns: ["id", "user_id", "course_id", "status", "mode", "modified_date"] },
  { table: "course_overviews_courseoverview", columns: ["id", "self_paced", "certificate_available_date", "certificates_display_behavior"] },
  { table: "certificates_certificatedateoverride", columns: ["generated_certificate_id", "date"] },
];
