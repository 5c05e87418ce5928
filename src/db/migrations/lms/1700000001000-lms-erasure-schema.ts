import { tablesMigration, type TableDdl } from "./create-tables";

/** The columns django-simple-history adds to every `…historical…` table. */
const HISTORY = `
    history_id int NOT NULL AUTO_INCREMENT,
    history_date datetime(6) NOT NULL,
    history_change_reason varchar(100) NULL,
    history_type varchar(1) NOT NULL,
    history_user_id int NULL,
    PRIMARY KEY (history_id)`;

const TIMESTAMPS = `
    created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    modified datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),`;

/** A Django model's table and its simple-history table, which repeats the model's columns. */
interface ModelWithHistory {
  /** The columns both tables share (after `id`, before the foreign keys). */
  columns: string;
  /** Foreign key columns (int unless a type is given): NOT NULL on the table, NULL on the history table. */
  foreignKeys: Array<string | [column: string, type: string]>;
  /** The table's keys after its primary key, each line starting with a newline. */
  keys: string;
  historyKeys: string;
}

/**
 * The table and its history table as Django and django-simple-history create them: the history table has `id`
 * without AUTO_INCREMENT, nullable foreign keys without constraints, and simple-history's own columns and key.
 */
function withHistory(table: string, historyTable: string, m: ModelWithHistory): TableDdl[] {
  const fk = (nullable: boolean) =>
    m.foreignKeys.map((k) => (typeof k === "string" ? [k, "int"] : k)).map(([c, type]) => `\n    ${c} ${type} ${nullable ? "NULL" : "NOT NULL"},`).join("");
  return [
    [table, `\n    id int NOT NULL AUTO_INCREMENT,${m.columns}${fk(false)}\n    PRIMARY KEY (id),${m.keys}`],
    [historyTable, `\n    id int NOT NULL,${m.columns}${fk(true)}${HISTORY},\n    ${m.historyKeys}`],
  ];
}

/**
 * The LMS tables every upstream `retire_misc/`, `retire/` and `USER_RETIRE_*` receiver erases that the earlier
 * schema files do not hold: wiki revisions (django-wiki), credit, API access requests, social auth, program
 * enrollments, survey answers, name affirmation, bulk email opt-outs, entitlements, save-for-later, and
 * edx-enterprise's consent, enterprise users and integrated-channel audits, each with its simple-history table
 * where upstream's model keeps history. Django's table and column names; the columns the erasures and the tests
 * touch plus those a row needs. Standalone use only (`migrate --with-lms-schema`); an operator's LMS may lack some
 * apps, which the retirement steps detect and report at start.
 */
const TABLES: TableDdl[] = [
  ["wiki_articlerevision", `
    id int NOT NULL AUTO_INCREMENT,
    revision_number int NOT NULL DEFAULT 1,
    user_message longtext NOT NULL DEFAULT '',
    automatic_log longtext NOT NULL DEFAULT '',
    ip_address char(39) NULL,
    modified datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    deleted tinyint(1) NOT NULL DEFAULT 0,
    locked tinyint(1) NOT NULL DEFAULT 0,
    content longtext NOT NULL DEFAULT '',
    title varchar(512) NOT NULL DEFAULT '',
    article_id int NOT NULL,
    previous_revision_id int NULL,
    user_id int NULL,
    PRIMARY KEY (id),
    KEY wiki_articlerevision_user_id_c687e4de (user_id)`],
  ["wiki_revisionpluginrevision", `
    id int NOT NULL AUTO_INCREMENT,
    revision_number int NOT NULL DEFAULT 1,
    user_message longtext NOT NULL DEFAULT '',
    automatic_log longtext NOT NULL DEFAULT '',
    ip_address char(39) NULL,
    modified datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    deleted tinyint(1) NOT NULL DEFAULT 0,
    locked tinyint(1) NOT NULL DEFAULT 0,
    plugin_id int NOT NULL,
    previous_revision_id int NULL,
    user_id int NULL,
    PRIMARY KEY (id),
    KEY wiki_revisionpluginrevision_user_id_4fe3a7b3 (user_id)`],
  ...withHistory("credit_creditrequest", "credit_historicalcreditrequest", {
    columns: `${TIMESTAMPS}
    uuid varchar(32) NOT NULL,
    username varchar(255) NOT NULL,
    parameters longtext NOT NULL DEFAULT '{}',
    status varchar(255) NOT NULL DEFAULT 'pending',`,
    foreignKeys: ["course_id", "provider_id"],
    keys: `
    UNIQUE KEY uuid (uuid),
    UNIQUE KEY credit_creditrequest_username_course_id_provider_id_uniq (username, course_id, provider_id),
    KEY credit_creditrequest_username_4f61c10e (username)`,
    historyKeys: "KEY credit_historicalcreditrequest_username_7a3c1e7f (username)",
  }),
  ...withHistory("credit_creditrequirementstatus", "credit_historicalcreditrequirementstatus", {
    columns: `${TIMESTAMPS}
    username varchar(255) NOT NULL,
    status varchar(32) NOT NULL DEFAULT '',
    reason longtext NOT NULL DEFAULT '{}',`,
    foreignKeys: ["requirement_id"],
    keys: `
    UNIQUE KEY credit_creditrequirementstatus_username_requirement_id_uniq (username, requirement_id),
    KEY credit_creditrequirementstatus_username_2c3a4d2b (username)`,
    historyKeys: "KEY credit_historicalcreditrequirementstatus_username_3e2d1f0a (username)",
  }),
  ...withHistory("api_admin_apiaccessrequest", "api_admin_historicalapiaccessrequest", {
    columns: `${TIMESTAMPS}
    status varchar(255) NOT NULL DEFAULT 'pending',
    website varchar(200) NOT NULL DEFAULT '',
    reason longtext NOT NULL DEFAULT '',
    company_address varchar(255) NOT NULL DEFAULT '',
    company_name varchar(255) NOT NULL DEFAULT '',
    contacted tinyint(1) NOT NULL DEFAULT 0,
    site_id int NOT NULL DEFAULT 1,`,
    foreignKeys: ["user_id"],
    keys: "\n    UNIQUE KEY user_id (user_id)",
    historyKeys: "KEY api_admin_historicalapiaccessrequest_user_id_d9b4a1c5 (user_id)",
  }),
  ...withHistory("social_auth_usersocialauth", "support_historicalusersocialauth", {
    columns: `
    provider varchar(32) NOT NULL,
    uid varchar(255) NOT NULL,
    extra_data longtext NOT NULL DEFAULT '{}',${TIMESTAMPS}`,
    foreignKeys: ["user_id"],
    keys: `
    UNIQUE KEY social_auth_usersocialauth_provider_uid_e6b5e668_uniq (provider, uid),
    KEY social_auth_usersocialauth_user_id_17d28448 (user_id)`,
    historyKeys: "KEY support_historicalusersocialauth_user_id_5c1a2b3d (user_id)",
  }),
  ...withHistory("program_enrollments_programenrollment", "program_enrollments_historicalprogramenrollment", {
    columns: `${TIMESTAMPS}
    external_user_key varchar(255) NULL,
    program_uuid char(32) NOT NULL,
    curriculum_uuid char(32) NOT NULL,
    status varchar(9) NOT NULL DEFAULT 'pending',
    user_id int NULL,`,
    foreignKeys: [],
    keys: `
    KEY program_enrollments_programenrollment_external_user_key_c27b83c5 (external_user_key),
    KEY program_enrollments_programenrollment_user_id_dcfde442 (user_id)`,
    historyKeys: "KEY program_enrollments_historicalprogramenrollment_id_947c385f (id)",
  }),
  ["survey_surveyanswer", `
    id int NOT NULL AUTO_INCREMENT,${TIMESTAMPS}
    field_name varchar(255) NOT NULL,
    field_value varchar(1024) NOT NULL,
    course_key varchar(255) NULL,
    form_id int NOT NULL DEFAULT 1,
    user_id int NOT NULL,
    PRIMARY KEY (id),
    KEY survey_surveyanswer_user_id_4c028d25 (user_id)`],
  ...withHistory("nameaffirmation_verifiedname", "edx_name_affirmation_historicalverifiedname", {
    columns: `${TIMESTAMPS}
    verified_name varchar(255) NOT NULL,
    profile_name varchar(255) NULL,
    verification_attempt_id int NULL,
    proctored_exam_attempt_id int NULL,
    platform_verification_attempt_id int NULL,
    status varchar(32) NOT NULL DEFAULT 'pending',`,
    foreignKeys: ["user_id"],
    keys: "\n    KEY nameaffirmation_verifiedname_user_id_3b9b1d4a (user_id)",
    historyKeys: "KEY edx_name_affirmation_historicalverifiedname_user_id_9c3e2f1b (user_id)",
  }),
  ["bulk_email_optout", `
    id int NOT NULL AUTO_INCREMENT,
    course_id varchar(255) NOT NULL,
    user_id int NULL,
    PRIMARY KEY (id),
    UNIQUE KEY bulk_email_optout_user_id_course_id_d62fc3fa_uniq (user_id, course_id),
    KEY bulk_email_optout_course_id_2f3a8b4c (course_id)`],
  ["entitlements_courseentitlement", `
    id int NOT NULL AUTO_INCREMENT,${TIMESTAMPS}
    uuid char(32) NOT NULL,
    course_uuid char(32) NOT NULL,
    expired_at datetime(6) NULL,
    mode varchar(100) NOT NULL DEFAULT 'verified',
    order_number varchar(128) NULL,
    refund_locked tinyint(1) NOT NULL DEFAULT 0,
    enrollment_course_run_id int NULL,
    user_id int NOT NULL,
    _policy_id int NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uuid (uuid),
    KEY entitlements_courseentitlement_user_id_a518a225 (user_id)`],
  ["entitlements_courseentitlementsupportdetail", `
    id int NOT NULL AUTO_INCREMENT,${TIMESTAMPS}
    reason varchar(15) NOT NULL DEFAULT 'OTHER',
    action varchar(15) NOT NULL DEFAULT 'CREATE',
    comments longtext NULL,
    entitlement_id int NOT NULL,
    support_user_id int NOT NULL,
    unenrolled_run_id varchar(255) NULL,
    PRIMARY KEY (id),
    KEY entitlements_courseentitl_entitlement_id_6e4d5b2a (entitlement_id)`],
  ["save_for_later_savedcourse", `
    id int NOT NULL AUTO_INCREMENT,${TIMESTAMPS}
    email varchar(254) NOT NULL,
    course_id varchar(255) NOT NULL,
    user_id int NULL,
    email_sent_count int NULL DEFAULT 0,
    reminder_email_sent tinyint(1) NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY save_for_later_savedcourse_email_7b0f1c2d (email),
    KEY save_for_later_savedcourse_user_id_3a9e4c1f (user_id)`],
  ["save_for_later_savedprogram", `
    id int NOT NULL AUTO_INCREMENT,${TIMESTAMPS}
    email varchar(254) NOT NULL,
    program_uuid char(32) NOT NULL,
    user_id int NULL,
    email_sent_count int NULL DEFAULT 0,
    reminder_email_sent tinyint(1) NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY save_for_later_savedprogram_email_5c2d7e1a (email),
    KEY save_for_later_savedprogram_user_id_8b1f3d2e (user_id)`],
  ...withHistory("consent_datasharingconsent", "consent_historicaldatasharingconsent", {
    columns: `${TIMESTAMPS}
    username varchar(255) NOT NULL,
    granted tinyint(1) NULL,
    course_id varchar(255) NOT NULL DEFAULT '',`,
    foreignKeys: [["enterprise_customer_id", "char(32)"]],
    keys: "\n    UNIQUE KEY consent_datasharingconsent_ec_id_username_course_a1b2_uniq (enterprise_customer_id, username, course_id)",
    historyKeys: "KEY consent_historicaldatasharingconsent_username_6b2c1a3d (username)",
  }),
  ["enterprise_enterprisecustomeruser", `
    id int NOT NULL AUTO_INCREMENT,${TIMESTAMPS}
    enterprise_customer_id char(32) NOT NULL,
    user_id int unsigned NOT NULL,
    active tinyint(1) NOT NULL DEFAULT 1,
    linked tinyint(1) NOT NULL DEFAULT 1,
    PRIMARY KEY (id),
    UNIQUE KEY enterprise_enterprisecustomeruser_ec_id_user_id_ffa4_uniq (enterprise_customer_id, user_id)`],
  ["enterprise_enterprisecourseenrollment", `
    id int NOT NULL AUTO_INCREMENT,${TIMESTAMPS}
    course_id varchar(255) NOT NULL,
    enterprise_customer_user_id int NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY enterprise_enterprisecourseenrollment_ecu_id_course_id_uniq (enterprise_customer_user_id, course_id)`],
  ...withHistory("enterprise_pendingenterprisecustomeruser", "enterprise_historicalpendingenterprisecustomeruser", {
    columns: `${TIMESTAMPS}
    user_email varchar(254) NOT NULL,`,
    foreignKeys: [["enterprise_customer_id", "char(32)"]],
    keys: `
    UNIQUE KEY enterprise_pendingenterprisecustomeruser_ec_id_user_email_uniq (enterprise_customer_id, user_email),
    KEY enterprise_pendingenterprisecustomeruser_user_email_2f1e3c4d (user_email)`,
    historyKeys: "KEY enterprise_historicalpendin_user_email_4a3b2c1d (user_email)",
  }),
  ["sap_success_factors_sapsuccessfactorslearnerdatatransmission3ce5", `
    id int NOT NULL AUTO_INCREMENT,
    sapsf_user_id varchar(255) NOT NULL,
    enterprise_course_enrollment_id int NOT NULL,
    course_id varchar(255) NOT NULL,
    course_completed tinyint(1) NOT NULL DEFAULT 1,
    completed_timestamp bigint NOT NULL DEFAULT 0,
    instructor_name varchar(255) NOT NULL DEFAULT '',
    grade varchar(100) NOT NULL DEFAULT '',
    status varchar(100) NOT NULL DEFAULT '',
    error_message longtext NOT NULL DEFAULT '',
    created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY sap_success_factors_sapsu_enterprise_course_enrollment_2b1c (enterprise_course_enrollment_id)`],
  ["degreed_degreedlearnerdatatransmissionaudit", `
    id int NOT NULL AUTO_INCREMENT,
    degreed_user_email varchar(255) NOT NULL,
    enterprise_course_enrollment_id int NOT NULL,
    course_id varchar(255) NOT NULL,
    course_completed tinyint(1) NOT NULL DEFAULT 1,
    completed_timestamp varchar(10) NOT NULL DEFAULT '',
    status varchar(100) NOT NULL DEFAULT '',
    error_message longtext NOT NULL DEFAULT '',
    created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY degreed_degreedlearnerdatatransmissionaudit_ece_id_3c2d (enterprise_course_enrollment_id)`],
];

export const LmsErasureSchema1700000001000 = tablesMigration("LmsErasureSchema1700000001000", TABLES);
