import { tablesMigration } from "./create-tables";

/**
 * Django's auth_group and auth_user_groups: the console makes members of CONSOLE_ADMIN_GROUP admins.
 *
 * Each statement is edx-platform's table as mysqldump printed it in the reference schema (edx-platform master of
 * 2023-02-21, docs/lms-schema.md), AUTO_INCREMENT counters left out; tables added upstream since come from
 * later-tables.ts. test/db/lms-schema-parity.test.ts compares every table with edx-platform's. Standalone use only
 * (`migrate --with-lms-schema`): on a real LMS database these tables already exist.
 */
const TABLES: string[] = [
  `CREATE TABLE \`auth_group\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`name\` varchar(150) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`name\` (\`name\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`auth_user_groups\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`user_id\` int(11) NOT NULL,
  \`group_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`auth_user_groups_user_id_group_id_94350c0c_uniq\` (\`user_id\`,\`group_id\`),
  KEY \`auth_user_groups_group_id_97559544_fk_auth_group_id\` (\`group_id\`),
  CONSTRAINT \`auth_user_groups_group_id_97559544_fk_auth_group_id\` FOREIGN KEY (\`group_id\`) REFERENCES \`auth_group\` (\`id\`),
  CONSTRAINT \`auth_user_groups_user_id_6a12ed8b_fk_auth_user_id\` FOREIGN KEY (\`user_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
];

export const LmsAuthGroups1700000001100 = tablesMigration("LmsAuthGroups1700000001100", TABLES);
