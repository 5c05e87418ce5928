/**
 * LMS tables the workers read that edx-platform created after the reference schema this project is tested on (the
 * devstack dump of edx-platform master of 2023-02-21, docs/lms-schema.md). Each statement is the table Django 4.2's
 * MySQL schema editor leaves after the upstream migrations named beside it: columns in the order the migrations add
 * them, NOT NULL without database defaults (Django keeps defaults in Python), Django's own index and constraint names
 * (its `_create_index_name` digest) and the charset of the dump's tables; written as mysqldump prints a table.
 *
 * The standalone schema (`migrate --with-lms-schema`) creates them like every other LMS table; the real-schema tests
 * add them on top of the dump (test/support/lms-schemas.ts). An LMS of an earlier release lacks them.
 */
export interface LaterLmsTable {
  name: string;
  /** The upstream migrations that made the table as it is now, oldest first (repository path). */
  migrations: string[];
  /** The first named Open edX release with the table. */
  firstRelease: string;
  createStatement: string;
}

export const LATER_LMS_TABLES: LaterLmsTable[] = [
  {
    // VerificationAttempt (lms/djangoapps/verify_student/models.py), the generic ID verification of IDV plugins;
    // IDVerificationService.user_is_verified reads it beside the three older verification tables.
    name: "verify_student_verificationattempt",
    migrations: [
      // CreateModel: id, created, modified, name, status varchar(64), expiration_datetime, user (FK, CASCADE); 2024-08-26.
      "openedx/edx-platform lms/djangoapps/verify_student/migrations/0015_verificationattempt.py",
      // AddField status_changed (MonitorField, NOT NULL); 2024-09-19.
      "openedx/edx-platform lms/djangoapps/verify_student/migrations/0016_verificationattempt_status_changed.py",
      // RemoveField created, modified; AddField created_at (db_index), hide_status_from_user (NULL), updated_at
      // (auto_now, db_index; named in the same change's first numbering, 0016_remove_verificationattempt_created_and_more,
      // and read by verify_student/utils.py most_recent_verification as v.updated_at of every set); status varchar(100).
      "openedx/edx-platform lms/djangoapps/verify_student/migrations/0017_remove_verificationattempt_created_and_more.py",
    ],
    firstRelease: "Sumac",
    createStatement: `CREATE TABLE \`verify_student_verificationattempt\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`name\` varchar(255) NOT NULL,
  \`status\` varchar(100) NOT NULL,
  \`expiration_datetime\` datetime(6) DEFAULT NULL,
  \`user_id\` int(11) NOT NULL,
  \`status_changed\` datetime(6) NOT NULL,
  \`created_at\` datetime(6) NOT NULL,
  \`hide_status_from_user\` tinyint(1) DEFAULT NULL,
  \`updated_at\` datetime(6) NOT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`verify_student_verif_user_id_ff041798_fk_auth_user\` (\`user_id\`),
  KEY \`verify_student_verificationattempt_created_at_1aa277ea\` (\`created_at\`),
  KEY \`verify_student_verificationattempt_updated_at_2013ea3c\` (\`updated_at\`),
  CONSTRAINT \`verify_student_verif_user_id_ff041798_fk_auth_user\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  },
  {
    // PurgeReferencestoPDFCertificatesCommandConfiguration (lms/djangoapps/certificates/models.py), the arguments of
    // purge_references_to_pdf_certificates. Django's default table name is 65 characters, so Django truncates it to
    // MySQL's 64 with a 4-character digest (django.db.backends.utils.truncate_name): ...configur95fa.
    name: "certificates_purgereferencestopdfcertificatescommandconfigur95fa",
    migrations: [
      // CreateModel: id, change_date, enabled, arguments, changed_by (FK, PROTECT, NULL); 2025-02-20.
      "openedx/edx-platform lms/djangoapps/certificates/migrations/0038_pdf_certificate_purge_data_management.py",
    ],
    firstRelease: "Teak",
    createStatement: `CREATE TABLE \`certificates_purgereferencestopdfcertificatescommandconfigur95fa\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`change_date\` datetime(6) NOT NULL,
  \`enabled\` tinyint(1) NOT NULL,
  \`arguments\` longtext NOT NULL,
  \`changed_by_id\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`certificates_purgere_changed_by_id_20c38a2d_fk_auth_user\` (\`changed_by_id\`),
  CONSTRAINT \`certificates_purgere_changed_by_id_20c38a2d_fk_auth_user\` FOREIGN KEY (\`changed_by_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  },
];
