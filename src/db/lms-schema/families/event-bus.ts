import type { LmsTableUse } from "../lms-table-use";

/** What a certificate event carries: the certificate row, and the learner's account and profile name (the event's PII). */
export const EVENT_BUS_TABLES: LmsTableUse[] = [
  { table: "certificates_generatedcertificate", columns: ["id", "user_id", "course_id", "mode", "grade", "status", "name", "download_url"] },
  { table: "auth_user", columns: ["id", "username", "email", "is_active"] },
  { table: "auth_userprofile", columns: ["user_id", "name"] },
];
