import type { MigrationInterface, QueryRunner } from "typeorm";
import { createTables, dropTables, type TableDdl } from "./create-tables";

/**
 * The LMS tables that `request-retirement` (upstream's create_retirement_request_and_deactivate_account) and the
 * enrollment history of `unenroll` touch, with the exact DDL of edx-platform's own migrations as the 2023-02 dump
 * (../shared/reference/lms-schema/edxapp-2023-02.sql) has them; standalone use only (`migrate --with-lms-schema`).
 * - auth_registration: student.Registration (activation keys), Meta.db_table.
 * - oauth2_provider_*: django-oauth-toolkit's Application, Grant, AccessToken, RefreshToken; oauth_dispatch_*:
 *   edx-platform's models with a CASCADE foreign key to Application (deleting an application deletes them).
 * - student_courseenrollment_history: CourseEnrollment's simple-history table (UUID history_id, char(32)).
 * - student_historicalmanualenrollmentaudit: ManualEnrollmentAudit's simple-history table.
 * AccessToken and RefreshToken point at each other, so the access token's foreign key to the refresh token is added
 * once both exist.
 */
const TABLES: TableDdl[] = [
  ["auth_registration", `
    id int(11) NOT NULL AUTO_INCREMENT,
    activation_key varchar(32) NOT NULL,
    user_id int(11) NOT NULL,
    activation_timestamp datetime(6) DEFAULT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY activation_key (activation_key),
    UNIQUE KEY user_id (user_id),
    CONSTRAINT auth_registration_user_id_f99bc297_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["oauth2_provider_application", `
    id bigint(20) NOT NULL AUTO_INCREMENT,
    client_id varchar(100) NOT NULL,
    redirect_uris longtext NOT NULL,
    client_type varchar(32) NOT NULL,
    authorization_grant_type varchar(32) NOT NULL,
    client_secret varchar(255) NOT NULL,
    name varchar(255) NOT NULL,
    user_id int(11) DEFAULT NULL,
    skip_authorization tinyint(1) NOT NULL,
    created datetime(6) NOT NULL,
    updated datetime(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY client_id (client_id),
    KEY oauth2_provider_application_user_id_79829054_fk_auth_user_id (user_id),
    KEY oauth2_provider_application_client_secret_53133678 (client_secret),
    CONSTRAINT oauth2_provider_application_user_id_79829054_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["oauth2_provider_grant", `
    id bigint(20) NOT NULL AUTO_INCREMENT,
    code varchar(255) NOT NULL,
    expires datetime(6) NOT NULL,
    redirect_uri varchar(255) NOT NULL,
    scope longtext NOT NULL,
    application_id bigint(20) NOT NULL,
    user_id int(11) NOT NULL,
    created datetime(6) NOT NULL,
    updated datetime(6) NOT NULL,
    code_challenge varchar(128) NOT NULL,
    code_challenge_method varchar(10) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY code (code),
    KEY oauth2_provider_gran_application_id_81923564_fk_oauth2_pr (application_id),
    KEY oauth2_provider_grant_user_id_e8f62af8_fk_auth_user_id (user_id),
    CONSTRAINT oauth2_provider_gran_application_id_81923564_fk_oauth2_pr FOREIGN KEY (application_id) REFERENCES oauth2_provider_application (id),
    CONSTRAINT oauth2_provider_grant_user_id_e8f62af8_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["oauth2_provider_accesstoken", `
    id bigint(20) NOT NULL AUTO_INCREMENT,
    token varchar(255) NOT NULL,
    expires datetime(6) NOT NULL,
    scope longtext NOT NULL,
    application_id bigint(20) DEFAULT NULL,
    user_id int(11) DEFAULT NULL,
    created datetime(6) NOT NULL,
    updated datetime(6) NOT NULL,
    source_refresh_token_id bigint(20) DEFAULT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY token (token),
    UNIQUE KEY source_refresh_token_id (source_refresh_token_id),
    KEY oauth2_provider_acce_application_id_b22886e1_fk_oauth2_pr (application_id),
    KEY oauth2_provider_accesstoken_user_id_6e4c9a65_fk_auth_user_id (user_id),
    CONSTRAINT oauth2_provider_acce_application_id_b22886e1_fk_oauth2_pr FOREIGN KEY (application_id) REFERENCES oauth2_provider_application (id),
    CONSTRAINT oauth2_provider_accesstoken_user_id_6e4c9a65_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["oauth2_provider_refreshtoken", `
    id bigint(20) NOT NULL AUTO_INCREMENT,
    token varchar(255) NOT NULL,
    access_token_id bigint(20) DEFAULT NULL,
    application_id bigint(20) NOT NULL,
    user_id int(11) NOT NULL,
    created datetime(6) NOT NULL,
    updated datetime(6) NOT NULL,
    revoked datetime(6) DEFAULT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY access_token_id (access_token_id),
    UNIQUE KEY oauth2_provider_refreshtoken_token_revoked_af8a5134_uniq (token,revoked),
    KEY oauth2_provider_refr_application_id_2d1c311b_fk_oauth2_pr (application_id),
    KEY oauth2_provider_refreshtoken_user_id_da837fce_fk_auth_user_id (user_id),
    CONSTRAINT oauth2_provider_refr_access_token_id_775e84e8_fk_oauth2_pr FOREIGN KEY (access_token_id) REFERENCES oauth2_provider_accesstoken (id),
    CONSTRAINT oauth2_provider_refr_application_id_2d1c311b_fk_oauth2_pr FOREIGN KEY (application_id) REFERENCES oauth2_provider_application (id),
    CONSTRAINT oauth2_provider_refreshtoken_user_id_da837fce_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
  ["oauth_dispatch_applicationaccess", `
    id int(11) NOT NULL AUTO_INCREMENT,
    scopes varchar(825) NOT NULL,
    application_id bigint(20) NOT NULL,
    filters varchar(825) DEFAULT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY application_id (application_id),
    CONSTRAINT oauth_dispatch_appli_application_id_dcddee6e_fk_oauth2_pr FOREIGN KEY (application_id) REFERENCES oauth2_provider_application (id)`],
  ["oauth_dispatch_applicationorganization", `
    id int(11) NOT NULL AUTO_INCREMENT,
    relation_type varchar(32) NOT NULL,
    application_id bigint(20) NOT NULL,
    organization_id int(11) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY oauth_dispatch_applicati_application_id_relation__1b4017f2_uniq (application_id,relation_type,organization_id),
    KEY oauth_dispatch_appli_organization_id_fe63a7f2_fk_organizat (organization_id),
    CONSTRAINT oauth_dispatch_appli_application_id_dea619c6_fk_oauth2_pr FOREIGN KEY (application_id) REFERENCES oauth2_provider_application (id),
    CONSTRAINT oauth_dispatch_appli_organization_id_fe63a7f2_fk_organizat FOREIGN KEY (organization_id) REFERENCES organizations_organization (id)`],
  ["oauth_dispatch_restrictedapplication", `
    id int(11) NOT NULL AUTO_INCREMENT,
    application_id bigint(20) NOT NULL,
    PRIMARY KEY (id),
    KEY oauth_dispatch_restr_application_id_6b8d0930_fk_oauth2_pr (application_id),
    CONSTRAINT oauth_dispatch_restr_application_id_6b8d0930_fk_oauth2_pr FOREIGN KEY (application_id) REFERENCES oauth2_provider_application (id)`],
  ["student_courseenrollment_history", `
    id int(11) NOT NULL,
    created datetime(6) DEFAULT NULL,
    is_active tinyint(1) NOT NULL,
    mode varchar(100) NOT NULL,
    history_id char(32) NOT NULL,
    history_date datetime(6) NOT NULL,
    history_change_reason varchar(100) DEFAULT NULL,
    history_type varchar(1) NOT NULL,
    course_id varchar(255) DEFAULT NULL,
    history_user_id int(11) DEFAULT NULL,
    user_id int(11) DEFAULT NULL,
    PRIMARY KEY (history_id),
    KEY student_courseenroll_history_user_id_7065c772_fk_auth_user (history_user_id),
    KEY student_courseenrollment_history_id_2d80b9b3 (id),
    KEY student_courseenrollment_history_created_6b3154af (created),
    KEY student_courseenrollment_history_course_id_98f13917 (course_id),
    KEY student_courseenrollment_history_user_id_5f94c628 (user_id),
    CONSTRAINT student_courseenroll_history_user_id_7065c772_fk_auth_user FOREIGN KEY (history_user_id) REFERENCES auth_user (id)`],
  ["student_historicalmanualenrollmentaudit", `
    id int(11) NOT NULL,
    enrolled_email varchar(255) NOT NULL,
    time_stamp datetime(6) DEFAULT NULL,
    state_transition varchar(255) NOT NULL,
    reason longtext,
    role varchar(64) DEFAULT NULL,
    history_id int(11) NOT NULL AUTO_INCREMENT,
    history_date datetime(6) NOT NULL,
    history_change_reason varchar(100) DEFAULT NULL,
    history_type varchar(1) NOT NULL,
    enrolled_by_id int(11) DEFAULT NULL,
    enrollment_id int(11) DEFAULT NULL,
    history_user_id int(11) DEFAULT NULL,
    PRIMARY KEY (history_id),
    KEY student_historicalma_history_user_id_b5f488c2_fk_auth_user (history_user_id),
    KEY student_historicalmanualenrollmentaudit_id_18eb7e98 (id),
    KEY student_historicalmanualenrollmentaudit_enrolled_email_bfaa34b3 (enrolled_email),
    KEY student_historicalmanualenrollmentaudit_enrolled_by_id_0838a44b (enrolled_by_id),
    KEY student_historicalmanualenrollmentaudit_enrollment_id_b74f8923 (enrollment_id),
    CONSTRAINT student_historicalma_history_user_id_b5f488c2_fk_auth_user FOREIGN KEY (history_user_id) REFERENCES auth_user (id)`],
];

const SOURCE_REFRESH_TOKEN_FK = "oauth2_provider_acce_source_refresh_token_e66fbc72_fk_oauth2_pr";

export class LmsAccountDeactivationSchema1700000002000 implements MigrationInterface {
  name = "LmsAccountDeactivationSchema1700000002000";

  async up(q: QueryRunner): Promise<void> {
    await createTables(q, TABLES);
    // Idempotent like createTables (MySQL DDL commits at once, so a half-run migration may be re-run).
    const [{ n }] = await q.query(
      "SELECT COUNT(*) AS n FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'oauth2_provider_accesstoken' AND CONSTRAINT_NAME = ?",
      [SOURCE_REFRESH_TOKEN_FK],
    );
    if (Number(n) === 0) {
      await q.query(
        `ALTER TABLE oauth2_provider_accesstoken ADD CONSTRAINT ${SOURCE_REFRESH_TOKEN_FK} FOREIGN KEY (source_refresh_token_id) REFERENCES oauth2_provider_refreshtoken (id)`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE oauth2_provider_accesstoken DROP FOREIGN KEY ${SOURCE_REFRESH_TOKEN_FK}`).catch(() => undefined);
    await dropTables(q, TABLES);
  }
}
