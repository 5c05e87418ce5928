import type { LmsTableUse } from "../lms-table-use";

/** The columns the purge reads and blanks, plus what a certificate event copies from the row. */
export const PURGED_CERTIFICATES: LmsTableUse = {
  table: "certificates_generatedcertificate",
  columns: ["id", "user_id", "course_id", "download_url", "download_uuid", "verify_uuid", "mode", "grade", "status"],
};

/**
 * PurgeReferencestoPDFCertificatesCommandConfiguration (its table name truncated by Django to 64 characters): the
 * stored arguments of `purge-pdf-certificates --args-from-database`, the console's page and the nightly purge sweep.
 */
export const PURGE_COMMAND_CONFIGURATION: LmsTableUse = {
  table: "certificates_purgereferencestopdfcertificatescommandconfigur95fa",
  columns: ["id", "change_date", "changed_by_id", "enabled", "arguments"],
  optional: {
    because: "newer",
    skipped: "stored purge arguments: --args-from-database finds none (disabled, as upstream with no row), the nightly purge sweep has nothing to re-check, the console's purge arguments page shows none and refuses to add one",
  },
  addedIn: { release: "Teak", migration: "lms/djangoapps/certificates/migrations/0038_pdf_certificate_purge_data_management.py", generated: "2025-02-20" },
};

export const PURGE_TABLES: LmsTableUse[] = [PURGED_CERTIFICATES, PURGE_COMMAND_CONFIGURATION];
