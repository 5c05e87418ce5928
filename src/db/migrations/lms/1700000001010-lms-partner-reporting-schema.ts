import { tablesMigration } from "./create-tables";

/**
 * Two more LMS tables that hold a learner's username or PII: credit eligibilities (credit app, the username of each
 * eligible learner) and upstream's partner-reporting queue (user_api UserRetirementPartnerReportingStatus, which the
 * `add_to_partner_queue` step fills and upstream's partner report empties).
 *
 * Each statement is edx-platform's table as mysqldump printed it in the reference schema (edx-platform master of
 * 2023-02-21, docs/lms-schema.md), AUTO_INCREMENT counters left out; tables added upstream since come from
 * later-tables.ts. test/db/lms-schema-parity.test.ts compares every table with edx-platform's. Standalone use only
 * (`migrate --with-lms-schema`): on a real LMS database these tables already exist.
 */
const TABLES: string[] = [
  `CREATE TABLE \`credit_crediteligibility\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`username\` varchar(255) NOT NULL,
  \`deadline\` datetime(6) NOT NULL,
  \`course_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`credit_crediteligibility_username_course_id_7906b4c1_uniq\` (\`username\`,\`course_id\`),
  KEY \`credit_crediteligibi_course_id_d86f481f_fk_credit_cr\` (\`course_id\`),
  KEY \`credit_crediteligibility_username_4c275fb5\` (\`username\`),
  CONSTRAINT \`credit_crediteligibi_course_id_d86f481f_fk_credit_cr\` FOREIGN KEY (\`course_id\`) REFERENCES \`credit_creditcourse\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`user_api_userretirementpartnerreportingstatus\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`original_username\` varchar(150) NOT NULL,
  \`original_email\` varchar(254) NOT NULL,
  \`original_name\` varchar(255) NOT NULL,
  \`is_being_processed\` tinyint(1) NOT NULL,
  \`user_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`user_id\` (\`user_id\`),
  KEY \`user_api_userretirementpart_original_username_6bf5d3d1\` (\`original_username\`),
  KEY \`user_api_userretirementpart_original_email_aaab0bc9\` (\`original_email\`),
  KEY \`user_api_userretirementpart_original_name_9aedd7f0\` (\`original_name\`),
  CONSTRAINT \`user_api_userretirem_user_id_272c8f78_fk_auth_user\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
];

export const LmsPartnerReportingSchema1700000001010 = tablesMigration("LmsPartnerReportingSchema1700000001010", TABLES);
