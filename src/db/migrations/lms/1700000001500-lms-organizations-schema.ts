import { tablesMigration } from "./create-tables";

/**
 * edx-organizations' tables. Both models keep django-simple-history (`history = HistoricalRecords()`):
 * Organization since 0007_historicalorganization, OrganizationCourse since 0003_historicalorganizationcourse
 * (edx-organizations 6.9.0), so both historical tables exist too. short_name is unique (0002_unique_short_name);
 * (course_id, organization) is unique together. course_overviews_courseoverview is in the core schema.
 *
 * Each statement is edx-platform's table as mysqldump printed it in the reference schema (edx-platform master of
 * 2023-02-21, docs/lms-schema.md), AUTO_INCREMENT counters left out; tables added upstream since come from
 * later-tables.ts. test/db/lms-schema-parity.test.ts compares every table with edx-platform's. Standalone use only
 * (`migrate --with-lms-schema`): on a real LMS database these tables already exist.
 */
const TABLES: string[] = [
  `CREATE TABLE \`organizations_organization\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`name\` varchar(255) NOT NULL,
  \`short_name\` varchar(255) NOT NULL,
  \`description\` longtext,
  \`logo\` varchar(255) DEFAULT NULL,
  \`active\` tinyint(1) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`organizations_organization_short_name_ef338963_uniq\` (\`short_name\`),
  KEY \`organizations_organization_name_71edc74b\` (\`name\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`organizations_historicalorganization\` (
  \`id\` int(11) NOT NULL,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`name\` varchar(255) NOT NULL,
  \`short_name\` varchar(255) NOT NULL,
  \`description\` longtext,
  \`logo\` longtext,
  \`active\` tinyint(1) NOT NULL,
  \`history_id\` int(11) NOT NULL AUTO_INCREMENT,
  \`history_date\` datetime(6) NOT NULL,
  \`history_change_reason\` varchar(100) DEFAULT NULL,
  \`history_type\` varchar(1) NOT NULL,
  \`history_user_id\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`history_id\`),
  KEY \`organizations_histor_history_user_id_bb516493_fk_auth_user\` (\`history_user_id\`),
  KEY \`organizations_historicalorganization_id_4327d8f9\` (\`id\`),
  KEY \`organizations_historicalorganization_name_5f4e354b\` (\`name\`),
  KEY \`organizations_historicalorganization_short_name_07087b46\` (\`short_name\`),
  CONSTRAINT \`organizations_histor_history_user_id_bb516493_fk_auth_user\` FOREIGN KEY (\`history_user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`organizations_organizationcourse\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`course_id\` varchar(255) NOT NULL,
  \`active\` tinyint(1) NOT NULL,
  \`organization_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`organizations_organizati_course_id_organization_i_06b1db31_uniq\` (\`course_id\`,\`organization_id\`),
  KEY \`organizations_organi_organization_id_99e77fe0_fk_organizat\` (\`organization_id\`),
  KEY \`organizations_organizationcourse_course_id_227b73bc\` (\`course_id\`),
  CONSTRAINT \`organizations_organi_organization_id_99e77fe0_fk_organizat\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations_organization\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`organizations_historicalorganizationcourse\` (
  \`id\` int(11) NOT NULL,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`course_id\` varchar(255) NOT NULL,
  \`active\` tinyint(1) NOT NULL,
  \`history_id\` int(11) NOT NULL AUTO_INCREMENT,
  \`history_date\` datetime(6) NOT NULL,
  \`history_change_reason\` varchar(100) DEFAULT NULL,
  \`history_type\` varchar(1) NOT NULL,
  \`history_user_id\` int(11) DEFAULT NULL,
  \`organization_id\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`history_id\`),
  KEY \`organizations_histor_history_user_id_0f165c1b_fk_auth_user\` (\`history_user_id\`),
  KEY \`organizations_historicalorganizationcourse_id_9a1564c8\` (\`id\`),
  KEY \`organizations_historicalorganizationcourse_course_id_4c93708c\` (\`course_id\`),
  KEY \`organizations_historicalorg_organization_id_7cc0ed83\` (\`organization_id\`),
  CONSTRAINT \`organizations_histor_history_user_id_0f165c1b_fk_auth_user\` FOREIGN KEY (\`history_user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
];

export const LmsOrganizationsSchema1700000001500 = tablesMigration("LmsOrganizationsSchema1700000001500", TABLES);
