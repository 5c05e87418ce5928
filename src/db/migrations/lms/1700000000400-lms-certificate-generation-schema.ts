import { tablesMigration } from "./create-tables";
import { LATER_LMS_TABLES } from "./later-tables";

/**
 * LMS tables the certificate generation rules read, beyond the core schema:
 * - student_courseaccessrole: beta testers are rows with role 'beta_testers' for the run (instructor.access.is_beta_tester);
 * - the four tables IDVerificationService.user_is_verified reads: verify_student_softwaresecurephotoverification,
 *   verify_student_ssoverification, verify_student_manualverification and (since Sumac) verify_student_verificationattempt.
 * CCX runs need no table: upstream decides "is a CCX" from the course key alone.
 *
 * Each statement is edx-platform's table as mysqldump printed it in the reference schema (edx-platform master of
 * 2023-02-21, docs/lms-schema.md), AUTO_INCREMENT counters left out; tables added upstream since come from
 * later-tables.ts. test/db/lms-schema-parity.test.ts compares every table with edx-platform's. Standalone use only
 * (`migrate --with-lms-schema`): on a real LMS database these tables already exist.
 */
const TABLES: string[] = [
  `CREATE TABLE \`student_courseaccessrole\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`org\` varchar(64) NOT NULL,
  \`course_id\` varchar(255) NOT NULL,
  \`role\` varchar(64) NOT NULL,
  \`user_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`student_courseaccessrole_user_id_org_course_id_ro_bbf71126_uniq\` (\`user_id\`,\`org\`,\`course_id\`,\`role\`),
  KEY \`student_courseaccessrole_org_6d2dbb7a\` (\`org\`),
  KEY \`student_courseaccessrole_course_id_60fb355e\` (\`course_id\`),
  KEY \`student_courseaccessrole_role_1ac888ea\` (\`role\`),
  CONSTRAINT \`student_courseaccessrole_user_id_90cf21fe_fk_auth_user_id\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`verify_student_softwaresecurephotoverification\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`status\` varchar(100) NOT NULL,
  \`status_changed\` datetime(6) NOT NULL,
  \`name\` varchar(255) NOT NULL,
  \`face_image_url\` varchar(255) NOT NULL,
  \`photo_id_image_url\` varchar(255) NOT NULL,
  \`receipt_id\` varchar(255) NOT NULL,
  \`created_at\` datetime(6) NOT NULL,
  \`updated_at\` datetime(6) NOT NULL,
  \`display\` tinyint(1) NOT NULL,
  \`submitted_at\` datetime(6) DEFAULT NULL,
  \`reviewing_service\` varchar(255) NOT NULL,
  \`error_msg\` longtext NOT NULL,
  \`error_code\` varchar(50) NOT NULL,
  \`photo_id_key\` longtext NOT NULL,
  \`copy_id_photo_from_id\` int(11) DEFAULT NULL,
  \`reviewing_user_id\` int(11) DEFAULT NULL,
  \`user_id\` int(11) NOT NULL,
  \`expiry_email_date\` datetime(6) DEFAULT NULL,
  \`expiration_date\` datetime(6) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`verify_student_softw_copy_id_photo_from_i_059e40b6_fk_verify_st\` (\`copy_id_photo_from_id\`),
  KEY \`verify_student_softw_reviewing_user_id_55fd003a_fk_auth_user\` (\`reviewing_user_id\`),
  KEY \`verify_student_softw_user_id_66ca4f6d_fk_auth_user\` (\`user_id\`),
  KEY \`verify_student_softwaresecu_receipt_id_2160ce88\` (\`receipt_id\`),
  KEY \`verify_student_softwaresecu_created_at_566f779f\` (\`created_at\`),
  KEY \`verify_student_softwaresecu_updated_at_8f5cf2d7\` (\`updated_at\`),
  KEY \`verify_student_softwaresecurephotoverification_display_287287f8\` (\`display\`),
  KEY \`verify_student_softwaresecu_submitted_at_f3d5cd03\` (\`submitted_at\`),
  KEY \`verify_student_softwaresecu_expiry_email_date_6ae6d6c9\` (\`expiry_email_date\`),
  KEY \`verify_student_softwaresecu_expiration_date_f7f2d890\` (\`expiration_date\`),
  CONSTRAINT \`verify_student_softw_copy_id_photo_from_i_059e40b6_fk_verify_st\` FOREIGN KEY (\`copy_id_photo_from_id\`) REFERENCES \`verify_student_softwaresecurephotoverification\` (\`id\`),
  CONSTRAINT \`verify_student_softw_reviewing_user_id_55fd003a_fk_auth_user\` FOREIGN KEY (\`reviewing_user_id\`) REFERENCES \`auth_user\` (\`id\`),
  CONSTRAINT \`verify_student_softw_user_id_66ca4f6d_fk_auth_user\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`verify_student_ssoverification\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`status\` varchar(100) NOT NULL,
  \`status_changed\` datetime(6) NOT NULL,
  \`name\` varchar(255) NOT NULL,
  \`created_at\` datetime(6) NOT NULL,
  \`updated_at\` datetime(6) NOT NULL,
  \`identity_provider_type\` varchar(100) NOT NULL,
  \`identity_provider_slug\` varchar(30) NOT NULL,
  \`user_id\` int(11) NOT NULL,
  \`expiration_date\` datetime(6) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`verify_student_ssoverification_user_id_5e6186eb_fk_auth_user_id\` (\`user_id\`),
  KEY \`verify_student_ssoverification_created_at_6381e5a4\` (\`created_at\`),
  KEY \`verify_student_ssoverification_updated_at_9d6cc952\` (\`updated_at\`),
  KEY \`verify_student_ssoverification_identity_provider_slug_56c53eb6\` (\`identity_provider_slug\`),
  KEY \`verify_student_ssoverification_expiration_date_26ec549d\` (\`expiration_date\`),
  CONSTRAINT \`verify_student_ssoverification_user_id_5e6186eb_fk_auth_user_id\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`verify_student_manualverification\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`status\` varchar(100) NOT NULL,
  \`status_changed\` datetime(6) NOT NULL,
  \`name\` varchar(255) NOT NULL,
  \`created_at\` datetime(6) NOT NULL,
  \`updated_at\` datetime(6) NOT NULL,
  \`reason\` varchar(255) NOT NULL,
  \`user_id\` int(11) NOT NULL,
  \`expiration_date\` datetime(6) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`verify_student_manua_user_id_f38b72b4_fk_auth_user\` (\`user_id\`),
  KEY \`verify_student_manualverification_created_at_e4e3731a\` (\`created_at\`),
  KEY \`verify_student_manualverification_updated_at_1a350690\` (\`updated_at\`),
  KEY \`verify_student_manualverification_expiration_date_d2feae82\` (\`expiration_date\`),
  CONSTRAINT \`verify_student_manua_user_id_f38b72b4_fk_auth_user\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  LATER_LMS_TABLES.find((t) => t.name === "verify_student_verificationattempt")!.createStatement,
];

export const LmsCertificateGenerationSchema1700000000400 = tablesMigration("LmsCertificateGenerationSchema1700000000400", TABLES);
