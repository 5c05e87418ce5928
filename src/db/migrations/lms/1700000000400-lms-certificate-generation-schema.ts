import type { MigrationInterface, QueryRunner } from "typeorm";
import { createTables, dropTables, type TableDdl } from "./create-tables";

/**
 * LMS tables the certificate generation rules read, beyond the core schema, as edx-platform's Django migrations
 * create them on MySQL (standalone use only, `migrate --with-lms-schema`):
 * - student_courseaccessrole: beta testers are rows with role 'beta_testers' for the run (instructor.access.is_beta_tester);
 * - the four tables IDVerificationService.user_is_verified reads: verify_student_softwaresecurephotoverification,
 *   verify_student_ssoverification, verify_student_manualverification and verify_student_verificationattempt.
 * CCX runs need no table: upstream decides "is a CCX" from the course key alone.
 */
const VERIFICATION_COMMON = `
    status varchar(100) NOT NULL DEFAULT 'created',
    status_changed datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    name varchar(255) NOT NULL DEFAULT '',
    created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    expiration_date datetime(6) NULL,
    user_id int NOT NULL,`;

const TABLES: TableDdl[] = [
  ["student_courseaccessrole", `
    id int NOT NULL AUTO_INCREMENT,
    org varchar(64) NOT NULL DEFAULT '',
    course_id varchar(255) NOT NULL DEFAULT '',
    role varchar(64) NOT NULL,
    user_id int NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY student_courseaccessrole_user_id_org_course_id_role_a5e0_uniq (user_id, org, course_id, role),
    KEY student_courseaccessrole_org_6d2dbb7a (org),
    KEY student_courseaccessrole_course_id_60fb355e (course_id),
    KEY student_courseaccessrole_role_1ac888ea (role),
    CONSTRAINT student_courseaccessrole_user_id_90cf21fe_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["verify_student_softwaresecurephotoverification", `
    id int NOT NULL AUTO_INCREMENT,${VERIFICATION_COMMON}
    face_image_url varchar(255) NOT NULL DEFAULT '',
    photo_id_image_url varchar(255) NOT NULL DEFAULT '',
    receipt_id varchar(255) NOT NULL DEFAULT '',
    display tinyint(1) NOT NULL DEFAULT 1,
    submitted_at datetime(6) NULL,
    reviewing_service varchar(255) NOT NULL DEFAULT '',
    error_msg longtext NOT NULL DEFAULT '',
    error_code varchar(50) NOT NULL DEFAULT '',
    photo_id_key longtext NOT NULL DEFAULT '',
    expiry_email_date datetime(6) NULL,
    copy_id_photo_from_id int NULL,
    reviewing_user_id int NULL,
    PRIMARY KEY (id),
    KEY verify_student_softwaresecurephotoverification_user_id_61ffab9d (user_id),
    KEY verify_student_softwaresecurephotoverification_status_6f4b9b2f (status),
    KEY verify_student_softwaresecurephotoverifi_created_at_e4e63ed1 (created_at),
    KEY verify_student_softwaresecurephotoverifi_updated_at_8f5cf2d7 (updated_at),
    KEY verify_student_softwaresecurephotoverifi_receipt_id_4b6b8a5f (receipt_id),
    KEY verify_student_softwaresecurephoto_expiration_date_f7f2b8cf (expiration_date),
    CONSTRAINT verify_student_softw_user_id_66ca4f6d_fk_auth_user FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["verify_student_ssoverification", `
    id int NOT NULL AUTO_INCREMENT,${VERIFICATION_COMMON}
    identity_provider_type varchar(100) NOT NULL DEFAULT 'common.djangoapps.third_party_auth.models.SAMLProviderConfig',
    identity_provider_slug varchar(30) NOT NULL DEFAULT 'default',
    PRIMARY KEY (id),
    KEY verify_student_ssoverification_user_id_5e6186eb (user_id),
    KEY verify_student_ssoverification_status_5f8d3b2c (status),
    KEY verify_student_ssoverification_created_at_6381e5a4 (created_at),
    KEY verify_student_ssoverification_updated_at_9d6cc952 (updated_at),
    KEY verify_student_ssoverification_identity_provider_slug_56c53eb6 (identity_provider_slug),
    KEY verify_student_ssoverification_expiration_date_26ec549d (expiration_date),
    CONSTRAINT verify_student_ssoverification_user_id_5e6186eb_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["verify_student_manualverification", `
    id int NOT NULL AUTO_INCREMENT,${VERIFICATION_COMMON}
    reason varchar(255) NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    KEY verify_student_manualverification_user_id_f8a9c6e4 (user_id),
    KEY verify_student_manualverification_status_1f1c8b3e (status),
    KEY verify_student_manualverification_created_at_e4e3731a (created_at),
    KEY verify_student_manualverification_updated_at_624d67a1 (updated_at),
    KEY verify_student_manualverification_expiration_date_a7a5e7d1 (expiration_date),
    CONSTRAINT verify_student_manua_user_id_f8a9c6e4_fk_auth_user FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["verify_student_verificationattempt", `
    id int NOT NULL AUTO_INCREMENT,
    status varchar(100) NOT NULL DEFAULT 'created',
    status_changed datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    name varchar(255) NOT NULL DEFAULT '',
    expiration_datetime datetime(6) NULL,
    hide_status_from_user tinyint(1) NULL DEFAULT 0,
    created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    user_id int NOT NULL,
    PRIMARY KEY (id),
    KEY verify_student_verificationattempt_user_id_9b6ad2f1 (user_id),
    KEY verify_student_verificationattempt_created_at_f6bd2f5b (created_at),
    KEY verify_student_verificationattempt_updated_at_0c7e2c5d (updated_at),
    CONSTRAINT verify_student_verif_user_id_9b6ad2f1_fk_auth_user FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
];

export class LmsCertificateGenerationSchema1700000000400 implements MigrationInterface {
  name = "LmsCertificateGenerationSchema1700000000400";

  async up(q: QueryRunner): Promise<void> {
    await createTables(q, TABLES);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropTables(q, TABLES);
  }
}
