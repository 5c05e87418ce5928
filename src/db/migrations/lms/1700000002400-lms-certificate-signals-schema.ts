import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The LMS tables that a certificate change's side effects read and write (standalone use only,
 * `migrate --with-lms-schema`), each statement copied from the LMS dump (../shared/reference/lms-schema,
 * edx-platform's own migrations) as it is, `IF NOT EXISTS` added and the dump's AUTO_INCREMENT counters left out:
 * - credentials_credentialsapiconfig (CredentialsApiConfig: is learner issuance enabled) and the site
 *   configuration (per-org CREDENTIALS_INTERNAL_SERVICE_URL and ENABLE_LEARNER_RECORDS), with django_site;
 * - edx-milestones' tables (prerequisite courses: milestones_usermilestone rows);
 * - waffle_switch (certificates.auto_certificate_generation);
 * - edx-name-affirmation's VerifiedNameConfig, the learners' choice to use their verified name on certificates
 *   (nameaffirmation_verifiedname itself is in the erasure schema).
 * The dump's seed rows (milestone relationship types 'requires' and 'fulfills') are not in it, so none are made.
 */
const TABLES: Array<[name: string, ddl: string]> = [
  ["django_site", `CREATE TABLE IF NOT EXISTS \`django_site\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`domain\` varchar(100) NOT NULL,
  \`name\` varchar(50) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`django_site_domain_a2e37b91_uniq\` (\`domain\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`],
  ["site_configuration_siteconfiguration", `CREATE TABLE IF NOT EXISTS \`site_configuration_siteconfiguration\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`site_id\` int(11) NOT NULL,
  \`enabled\` tinyint(1) NOT NULL,
  \`site_values\` longtext NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`site_id\` (\`site_id\`),
  CONSTRAINT \`site_configuration_s_site_id_84302d1f_fk_django_si\` FOREIGN KEY (\`site_id\`) REFERENCES \`django_site\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`],
  ["credentials_credentialsapiconfig", `CREATE TABLE IF NOT EXISTS \`credentials_credentialsapiconfig\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`change_date\` datetime(6) NOT NULL,
  \`enabled\` tinyint(1) NOT NULL,
  \`internal_service_url\` varchar(200) NOT NULL,
  \`public_service_url\` varchar(200) NOT NULL,
  \`enable_learner_issuance\` tinyint(1) NOT NULL,
  \`enable_studio_authoring\` tinyint(1) NOT NULL,
  \`cache_ttl\` int(10) unsigned NOT NULL,
  \`changed_by_id\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`credentials_credenti_changed_by_id_9e145a81_fk_auth_user\` (\`changed_by_id\`),
  CONSTRAINT \`credentials_credenti_changed_by_id_9e145a81_fk_auth_user\` FOREIGN KEY (\`changed_by_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`],
  ["milestones_milestone", `CREATE TABLE IF NOT EXISTS \`milestones_milestone\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`namespace\` varchar(255) NOT NULL,
  \`name\` varchar(255) NOT NULL,
  \`display_name\` varchar(255) NOT NULL,
  \`description\` longtext NOT NULL,
  \`active\` tinyint(1) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`milestones_milestone_namespace_name_0b80f867_uniq\` (\`namespace\`,\`name\`),
  KEY \`milestones_milestone_namespace_a8e8807c\` (\`namespace\`),
  KEY \`milestones_milestone_name_23fb0698\` (\`name\`),
  KEY \`milestones_milestone_active_9a6c1703\` (\`active\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`],
  ["milestones_milestonerelationshiptype", `CREATE TABLE IF NOT EXISTS \`milestones_milestonerelationshiptype\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`name\` varchar(25) NOT NULL,
  \`description\` longtext NOT NULL,
  \`active\` tinyint(1) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`name\` (\`name\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`],
  ["milestones_coursemilestone", `CREATE TABLE IF NOT EXISTS \`milestones_coursemilestone\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`course_id\` varchar(255) NOT NULL,
  \`active\` tinyint(1) NOT NULL,
  \`milestone_id\` int(11) NOT NULL,
  \`milestone_relationship_type_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`milestones_coursemilestone_course_id_milestone_id_36b21ae8_uniq\` (\`course_id\`,\`milestone_id\`),
  KEY \`milestones_coursemil_milestone_id_03d9ef01_fk_milestone\` (\`milestone_id\`),
  KEY \`milestones_coursemil_milestone_relationsh_6c64b782_fk_milestone\` (\`milestone_relationship_type_id\`),
  KEY \`milestones_coursemilestone_course_id_ce46a0fc\` (\`course_id\`),
  KEY \`milestones_coursemilestone_active_c590442e\` (\`active\`),
  CONSTRAINT \`milestones_coursemil_milestone_id_03d9ef01_fk_milestone\` FOREIGN KEY (\`milestone_id\`) REFERENCES \`milestones_milestone\` (\`id\`),
  CONSTRAINT \`milestones_coursemil_milestone_relationsh_6c64b782_fk_milestone\` FOREIGN KEY (\`milestone_relationship_type_id\`) REFERENCES \`milestones_milestonerelationshiptype\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`],
  ["milestones_coursecontentmilestone", `CREATE TABLE IF NOT EXISTS \`milestones_coursecontentmilestone\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`course_id\` varchar(255) NOT NULL,
  \`content_id\` varchar(255) NOT NULL,
  \`active\` tinyint(1) NOT NULL,
  \`milestone_id\` int(11) NOT NULL,
  \`milestone_relationship_type_id\` int(11) NOT NULL,
  \`requirements\` varchar(255) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`milestones_coursecontent_course_id_content_id_mil_7caa5ba5_uniq\` (\`course_id\`,\`content_id\`,\`milestone_id\`),
  KEY \`milestones_coursecon_milestone_id_bd7a608b_fk_milestone\` (\`milestone_id\`),
  KEY \`milestones_coursecon_milestone_relationsh_31556ebf_fk_milestone\` (\`milestone_relationship_type_id\`),
  KEY \`milestones_coursecontentmilestone_course_id_6fd3fad0\` (\`course_id\`),
  KEY \`milestones_coursecontentmilestone_content_id_21f4c95f\` (\`content_id\`),
  KEY \`milestones_coursecontentmilestone_active_b7ab709d\` (\`active\`),
  CONSTRAINT \`milestones_coursecon_milestone_id_bd7a608b_fk_milestone\` FOREIGN KEY (\`milestone_id\`) REFERENCES \`milestones_milestone\` (\`id\`),
  CONSTRAINT \`milestones_coursecon_milestone_relationsh_31556ebf_fk_milestone\` FOREIGN KEY (\`milestone_relationship_type_id\`) REFERENCES \`milestones_milestonerelationshiptype\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`],
  ["milestones_usermilestone", `CREATE TABLE IF NOT EXISTS \`milestones_usermilestone\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`user_id\` int(11) NOT NULL,
  \`source\` longtext NOT NULL,
  \`collected\` datetime(6) DEFAULT NULL,
  \`active\` tinyint(1) NOT NULL,
  \`milestone_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`milestones_usermilestone_user_id_milestone_id_02197f01_uniq\` (\`user_id\`,\`milestone_id\`),
  KEY \`milestones_usermiles_milestone_id_f90f9430_fk_milestone\` (\`milestone_id\`),
  KEY \`milestones_usermilestone_user_id_b3e9aef4\` (\`user_id\`),
  KEY \`milestones_usermilestone_active_93a18e7f\` (\`active\`),
  CONSTRAINT \`milestones_usermiles_milestone_id_f90f9430_fk_milestone\` FOREIGN KEY (\`milestone_id\`) REFERENCES \`milestones_milestone\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`],
  ["waffle_switch", `CREATE TABLE IF NOT EXISTS \`waffle_switch\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`name\` varchar(100) NOT NULL,
  \`active\` tinyint(1) NOT NULL,
  \`note\` longtext NOT NULL,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`name\` (\`name\`),
  KEY \`waffle_switch_created_c004e77e\` (\`created\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`],
  ["nameaffirmation_verifiednameconfig", `CREATE TABLE IF NOT EXISTS \`nameaffirmation_verifiednameconfig\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`change_date\` datetime(6) NOT NULL,
  \`enabled\` tinyint(1) NOT NULL,
  \`use_verified_name_for_certs\` tinyint(1) NOT NULL,
  \`changed_by_id\` int(11) DEFAULT NULL,
  \`user_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`nameaffirmation_veri_changed_by_id_e6d2f562_fk_auth_user\` (\`changed_by_id\`),
  KEY \`nameaffirmation_veri_user_id_5b5e177e_fk_auth_user\` (\`user_id\`),
  CONSTRAINT \`nameaffirmation_veri_changed_by_id_e6d2f562_fk_auth_user\` FOREIGN KEY (\`changed_by_id\`) REFERENCES \`auth_user\` (\`id\`),
  CONSTRAINT \`nameaffirmation_veri_user_id_5b5e177e_fk_auth_user\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`],
];

export class LmsCertificateSignalsSchema1700000002400 implements MigrationInterface {
  name = "LmsCertificateSignalsSchema1700000002400";

  async up(q: QueryRunner): Promise<void> {
    for (const [, ddl] of TABLES) await q.query(ddl);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name] of [...TABLES].reverse()) await q.query(`DROP TABLE IF EXISTS \`${name}\``);
  }
}
