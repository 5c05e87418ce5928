import { tablesMigration } from "./create-tables";

/**
 * The LMS tables the built-in retirement steps touch beyond the core schema (retire_misc and retire/ as upstream
 * describes them, limited to the steps this service runs): pending email/name/secondary-email changes, recovery
 * emails (AccountRecovery's Meta.db_table is auth_accountrecovery), org tags (mailing opt-in), enrollment-allowed
 * rows, manual enrollment audits, social links and unregistered-learner cohort assignments.
 *
 * Each statement is edx-platform's table as mysqldump printed it in the reference schema (edx-platform master of
 * 2023-02-21, docs/lms-schema.md), AUTO_INCREMENT counters left out; tables added upstream since come from
 * later-tables.ts. test/db/lms-schema-parity.test.ts compares every table with edx-platform's. Standalone use only
 * (`migrate --with-lms-schema`): on a real LMS database these tables already exist.
 */
const TABLES: string[] = [
  `CREATE TABLE \`student_pendingemailchange\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`new_email\` varchar(255) NOT NULL,
  \`activation_key\` varchar(32) NOT NULL,
  \`user_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`activation_key\` (\`activation_key\`),
  UNIQUE KEY \`user_id\` (\`user_id\`),
  KEY \`student_pendingemailchange_new_email_6887bdea\` (\`new_email\`),
  CONSTRAINT \`student_pendingemailchange_user_id_8f2778c5_fk_auth_user_id\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`student_pendingnamechange\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`new_name\` varchar(255) NOT NULL,
  \`rationale\` varchar(1024) NOT NULL,
  \`user_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`user_id\` (\`user_id\`),
  CONSTRAINT \`student_pendingnamechange_user_id_e2cd8b70_fk_auth_user_id\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`student_pendingsecondaryemailchange\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`new_secondary_email\` varchar(255) NOT NULL,
  \`activation_key\` varchar(32) NOT NULL,
  \`user_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`activation_key\` (\`activation_key\`),
  UNIQUE KEY \`user_id\` (\`user_id\`),
  KEY \`student_pendingsecondaryemailchange_new_secondary_email_5e79db59\` (\`new_secondary_email\`),
  CONSTRAINT \`student_pendingsecon_user_id_deacc54f_fk_auth_user\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`auth_accountrecovery\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`secondary_email\` varchar(254) NOT NULL,
  \`user_id\` int(11) NOT NULL,
  \`is_active\` tinyint(1) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`secondary_email\` (\`secondary_email\`),
  UNIQUE KEY \`user_id\` (\`user_id\`),
  CONSTRAINT \`auth_accountrecovery_user_id_0c61e73c_fk_auth_user_id\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`user_api_userorgtag\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`key\` varchar(255) NOT NULL,
  \`org\` varchar(255) NOT NULL,
  \`value\` longtext NOT NULL,
  \`user_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`user_api_userorgtag_user_id_org_key_d4df9ac1_uniq\` (\`user_id\`,\`org\`,\`key\`),
  KEY \`user_api_userorgtag_key_b1f2bafe\` (\`key\`),
  KEY \`user_api_userorgtag_org_41caa15c\` (\`org\`),
  CONSTRAINT \`user_api_userorgtag_user_id_cc0d415d_fk_auth_user_id\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`student_courseenrollmentallowed\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`email\` varchar(255) NOT NULL,
  \`course_id\` varchar(255) NOT NULL,
  \`auto_enroll\` tinyint(1) NOT NULL,
  \`created\` datetime(6) DEFAULT NULL,
  \`user_id\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`student_courseenrollmentallowed_email_course_id_1e23ed5e_uniq\` (\`email\`,\`course_id\`),
  KEY \`student_courseenrollmentallowed_user_id_5875cce6_fk_auth_user_id\` (\`user_id\`),
  KEY \`student_courseenrollmentallowed_email_969706a0\` (\`email\`),
  KEY \`student_courseenrollmentallowed_course_id_67eff667\` (\`course_id\`),
  KEY \`student_courseenrollmentallowed_created_b2066658\` (\`created\`),
  CONSTRAINT \`student_courseenrollmentallowed_user_id_5875cce6_fk_auth_user_id\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`student_manualenrollmentaudit\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`enrolled_email\` varchar(255) NOT NULL,
  \`time_stamp\` datetime(6) DEFAULT NULL,
  \`state_transition\` varchar(255) NOT NULL,
  \`reason\` longtext,
  \`enrolled_by_id\` int(11) DEFAULT NULL,
  \`enrollment_id\` int(11) DEFAULT NULL,
  \`role\` varchar(64) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`student_manualenroll_enrolled_by_id_1217a0dc_fk_auth_user\` (\`enrolled_by_id\`),
  KEY \`student_manualenroll_enrollment_id_decc94fe_fk_student_c\` (\`enrollment_id\`),
  KEY \`student_manualenrollmentaudit_enrolled_email_47ce6524\` (\`enrolled_email\`),
  CONSTRAINT \`student_manualenroll_enrolled_by_id_1217a0dc_fk_auth_user\` FOREIGN KEY (\`enrolled_by_id\`) REFERENCES \`auth_user\` (\`id\`),
  CONSTRAINT \`student_manualenroll_enrollment_id_decc94fe_fk_student_c\` FOREIGN KEY (\`enrollment_id\`) REFERENCES \`student_courseenrollment\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`student_sociallink\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`platform\` varchar(30) NOT NULL,
  \`social_link\` varchar(100) NOT NULL,
  \`user_profile_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`student_sociallink_user_profile_id_19f54475_fk_auth_user\` (\`user_profile_id\`),
  CONSTRAINT \`student_sociallink_user_profile_id_19f54475_fk_auth_user\` FOREIGN KEY (\`user_profile_id\`) REFERENCES \`auth_userprofile\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`course_groups_unregisteredlearnercohortassignments\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`email\` varchar(255) NOT NULL,
  \`course_id\` varchar(255) NOT NULL,
  \`course_user_group_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`course_groups_unregister_course_id_email_81a9d1db_uniq\` (\`course_id\`,\`email\`),
  KEY \`course_groups_unregi_course_user_group_id_c1c8a247_fk_course_gr\` (\`course_user_group_id\`),
  KEY \`course_groups_unregisteredl_email_05d0e40e\` (\`email\`),
  CONSTRAINT \`course_groups_unregi_course_user_group_id_c1c8a247_fk_course_gr\` FOREIGN KEY (\`course_user_group_id\`) REFERENCES \`course_groups_courseusergroup\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
];

export const LmsRetirementSchema1700000000300 = tablesMigration("LmsRetirementSchema1700000000300", TABLES);
