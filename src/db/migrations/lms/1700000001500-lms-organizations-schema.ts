import type { MigrationInterface, QueryRunner } from "typeorm";
import { createTables, dropTables, type TableDdl } from "./create-tables";

/**
 * edx-organizations' tables as its Django migrations create them on MySQL (standalone use only,
 * `migrate --with-lms-schema`). Both models keep django-simple-history (`history = HistoricalRecords()`):
 * Organization since 0007_historicalorganization, OrganizationCourse since 0003_historicalorganizationcourse
 * (edx-organizations 6.9.0), so both historical tables exist too. short_name is unique (0002_unique_short_name);
 * (course_id, organization) is unique together. course_overviews_courseoverview is in the core schema.
 */
const HISTORY_COLUMNS = `
    history_id int NOT NULL AUTO_INCREMENT,
    history_date datetime(6) NOT NULL,
    history_change_reason varchar(100) NULL,
    history_type varchar(1) NOT NULL,
    history_user_id int NULL,`;

const TABLES: TableDdl[] = [
  ["organizations_organization", `
    id int NOT NULL AUTO_INCREMENT,
    created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    modified datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    name varchar(255) NOT NULL,
    short_name varchar(255) NOT NULL,
    description longtext NULL,
    logo varchar(255) NULL,
    active tinyint(1) NOT NULL DEFAULT 1,
    PRIMARY KEY (id),
    UNIQUE KEY organizations_organization_short_name_ef338963_uniq (short_name),
    KEY organizations_organization_name_71edc74b (name)`],
  ["organizations_historicalorganization", `
    id int NOT NULL,
    created datetime(6) NOT NULL,
    modified datetime(6) NOT NULL,
    name varchar(255) NOT NULL,
    short_name varchar(255) NOT NULL,
    description longtext NULL,
    logo longtext NULL,
    active tinyint(1) NOT NULL,${HISTORY_COLUMNS}
    PRIMARY KEY (history_id),
    KEY organizations_historicalorganization_id_10bcd9d8 (id),
    KEY organizations_historicalorganization_name_a22d6b4b (name),
    KEY organizations_historicalorganization_short_name_b3d8f2d4 (short_name),
    KEY organizations_historicalorganization_history_date_0d9c3ee3 (history_date),
    CONSTRAINT organizations_histor_history_user_id_bb516493_fk_auth_user FOREIGN KEY (history_user_id) REFERENCES auth_user (id)`],
  ["organizations_organizationcourse", `
    id int NOT NULL AUTO_INCREMENT,
    created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    modified datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    course_id varchar(255) NOT NULL,
    active tinyint(1) NOT NULL DEFAULT 1,
    organization_id int NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY organizations_organiz_course_id_organization_8b1a1e2c_uniq (course_id, organization_id),
    KEY organizations_organizationcourse_course_id_227b73bc (course_id),
    KEY organizations_organizationcourse_organization_id_99e77fe0 (organization_id),
    CONSTRAINT organizations_organi_organization_id_99e77fe0_fk_organizat FOREIGN KEY (organization_id) REFERENCES organizations_organization (id)`],
  ["organizations_historicalorganizationcourse", `
    id int NOT NULL,
    created datetime(6) NOT NULL,
    modified datetime(6) NOT NULL,
    course_id varchar(255) NOT NULL,
    active tinyint(1) NOT NULL,${HISTORY_COLUMNS}
    organization_id int NULL,
    PRIMARY KEY (history_id),
    KEY organizations_historicalorganizationcourse_id_6fa2a8ad (id),
    KEY organizations_historicalo_course_id_7a3b4d2f (course_id),
    KEY organizations_historicalo_history_date_5ad6e1b8 (history_date),
    KEY organizations_historicalo_organization_id_3a2f7c91 (organization_id),
    CONSTRAINT organizations_histor_history_user_id_0f165c1b_fk_auth_user FOREIGN KEY (history_user_id) REFERENCES auth_user (id)`],
];

export class LmsOrganizationsSchema1700000001500 implements MigrationInterface {
  name = "LmsOrganizationsSchema1700000001500";

  async up(q: QueryRunner): Promise<void> {
    await createTables(q, TABLES);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropTables(q, TABLES);
  }
}
