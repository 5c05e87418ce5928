import type { MigrationInterface, QueryRunner } from "typeorm";
import { createTables, dropTables, type TableDdl } from "./create-tables";

/**
 * Django's auth_group and auth_user_groups, as django.contrib.auth's migrations create them on MySQL (standalone
 * use only): the console makes members of CONSOLE_ADMIN_GROUP admins.
 */
const TABLES: TableDdl[] = [
  ["auth_group", `
    id int NOT NULL AUTO_INCREMENT,
    name varchar(150) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY name (name)`],
  ["auth_user_groups", `
    id int NOT NULL AUTO_INCREMENT,
    user_id int NOT NULL,
    group_id int NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY auth_user_groups_user_id_group_id_94350c0c_uniq (user_id, group_id),
    KEY auth_user_groups_group_id_97559544_fk_auth_group_id (group_id),
    CONSTRAINT auth_user_groups_group_id_97559544_fk_auth_group_id FOREIGN KEY (group_id) REFERENCES auth_group (id),
    CONSTRAINT auth_user_groups_user_id_6a12ed8b_fk_auth_user_id FOREIGN KEY (user_id) REFERENCES auth_user (id)`],
];

export class LmsAuthGroups1700000001100 implements MigrationInterface {
  name = "LmsAuthGroups1700000001100";

  async up(q: QueryRunner): Promise<void> {
    await createTables(q, TABLES);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropTables(q, TABLES);
  }
}
