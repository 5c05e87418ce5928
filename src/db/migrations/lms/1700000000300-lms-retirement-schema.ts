import type { MigrationInterface, QueryRunner } from "typeorm";
import { createTables, dropTables, type TableDdl } from "./create-tables";

/**
 * The LMS tables the built-in retirement steps touch beyond the core schema (retire_misc and retire/ as upstream
 * describes them, limited to the steps this service runs): pending email/name/secondary-email changes, org tags
 * (mailing opt-in), enrollment-allowed rows, manual enrollment audits, social links, recovery emails and
 * unregistered-learner cohort assignments. Django's table and column names; standalone use only.
 */
const TABLES: TableDdl[] = [
  ["student_pendingemailchange", `
    id int NOT NULL AUTO_INCREMENT,
    new_email varchar(255) NOT NULL DEFAULT '',
    activation_key varchar(32) NOT NULL,
    user_id int NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY activation_key (activation_key),
    UNIQUE KEY user_id (user_id),
    KEY student_pendingemailchange_new_email_4ee5e3f5 (new_email),
    CONSTRAINT student_pendingemailchange_user_id_8f2778c5_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["student_pendingnamechange", `
    id int NOT NULL AUTO_INCREMENT,
    new_name varchar(255) NOT NULL DEFAULT '',
    rationale varchar(1024) NOT NULL DEFAULT '',
    user_id int NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY user_id (user_id),
    CONSTRAINT student_pendingnamechange_user_id_e2cd8b70_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["student_pendingsecondaryemailchange", `
    id int NOT NULL AUTO_INCREMENT,
    new_secondary_email varchar(255) NOT NULL DEFAULT '',
    activation_key varchar(32) NOT NULL,
    user_id int NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY activation_key (activation_key),
    UNIQUE KEY user_id (user_id),
    KEY student_pendingsecondaryemailchange_new_secondary_email_0d1c0b19 (new_secondary_email),
    CONSTRAINT student_pendingsecon_user_id_deacc54f_fk_auth_user FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  // AccountRecovery (common/djangoapps/student/models/user.py): its Meta.db_table is auth_accountrecovery.
  ["auth_accountrecovery", `
    id int NOT NULL AUTO_INCREMENT,
    secondary_email varchar(254) NOT NULL,
    user_id int NOT NULL,
    is_active tinyint(1) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY secondary_email (secondary_email),
    UNIQUE KEY user_id (user_id),
    CONSTRAINT auth_accountrecovery_user_id_0c61e73c_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["user_api_userorgtag", `
    id int NOT NULL AUTO_INCREMENT,
    created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    modified datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    \`key\` varchar(255) NOT NULL,
    org varchar(255) NOT NULL,
    value longtext NOT NULL,
    user_id int NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY user_api_userorgtag_user_id_org_key_d4df9ac1_uniq (user_id, org, \`key\`),
    KEY user_api_userorgtag_key_d6d8f4a6 (\`key\`),
    KEY user_api_userorgtag_org_7f2ed4a7 (org),
    CONSTRAINT user_api_userorgtag_user_id_cc0d415d_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["student_courseenrollmentallowed", `
    id int NOT NULL AUTO_INCREMENT,
    email varchar(255) NOT NULL,
    course_id varchar(255) NOT NULL,
    auto_enroll tinyint(1) NOT NULL DEFAULT 1,
    created datetime(6) NULL DEFAULT CURRENT_TIMESTAMP(6),
    user_id int NULL,
    PRIMARY KEY (id),
    UNIQUE KEY student_courseenrollmentallowed_email_course_id_1e23ed5e_uniq (email, course_id),
    KEY student_courseenrollmentallowed_email_969706a0 (email),
    KEY student_courseenrollmentallowed_course_id_67eff667 (course_id),
    KEY student_courseenrollmentallowed_created_b2066658 (created),
    CONSTRAINT student_courseenroll_user_id_5875cce6_fk_auth_user FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["student_manualenrollmentaudit", `
    id int NOT NULL AUTO_INCREMENT,
    enrolled_email varchar(255) NOT NULL,
    time_stamp datetime(6) NULL DEFAULT CURRENT_TIMESTAMP(6),
    state_transition varchar(255) NOT NULL,
    reason longtext NULL,
    role varchar(64) NULL,
    enrolled_by_id int NULL,
    enrollment_id int NULL,
    PRIMARY KEY (id),
    KEY student_manualenrollmentaudit_enrolled_email_47ce6524 (enrolled_email),
    CONSTRAINT student_manualenrollmentaudit_enrolled_by_id_c5f6cc9d_fk FOREIGN KEY (enrolled_by_id) REFERENCES auth_user (id),
    CONSTRAINT student_manualenroll_enrollment_id_decc94fe_fk_student_c FOREIGN KEY (enrollment_id) REFERENCES student_courseenrollment (id)`],
  ["student_sociallink", `
    id int NOT NULL AUTO_INCREMENT,
    platform varchar(30) NOT NULL,
    social_link varchar(100) NOT NULL,
    user_profile_id int NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT student_sociallink_user_profile_id_19f54475_fk_auth_user FOREIGN KEY (user_profile_id) REFERENCES auth_userprofile (id)`],
  ["course_groups_unregisteredlearnercohortassignments", `
    id int NOT NULL AUTO_INCREMENT,
    email varchar(255) NOT NULL,
    course_id varchar(255) NOT NULL,
    course_user_group_id int NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY course_groups_unregiste_course_id_email_81a9d1db_uniq (course_id, email),
    KEY course_groups_unregisteredlearnercohortassignments_email_05b7 (email)`],
];

export class LmsRetirementSchema1700000000300 implements MigrationInterface {
  name = "LmsRetirementSchema1700000000300";

  async up(q: QueryRunner): Promise<void> {
    await createTables(q, TABLES);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropTables(q, TABLES);
  }
}
