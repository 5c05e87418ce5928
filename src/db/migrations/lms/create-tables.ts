import type { MigrationInterface, QueryRunner } from "typeorm";

/** A table's name and the column/key list of its CREATE TABLE, as Django's MySQL schema editor writes it. */
export type TableDdl = [name: string, ddl: string];

/** Creates the tables in order; IF NOT EXISTS because MySQL DDL commits at once, so a half-run migration can be re-run. */
export async function createTables(q: QueryRunner, tables: TableDdl[]): Promise<void> {
  for (const [name, ddl] of tables) {
    await q.query(`CREATE TABLE IF NOT EXISTS \`${name}\` (${ddl}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }
}

/** Drops the tables in reverse order, so foreign keys are dropped before what they reference. */
export async function dropTables(q: QueryRunner, tables: TableDdl[]): Promise<void> {
  for (const [name] of [...tables].reverse()) await q.query(`DROP TABLE IF EXISTS \`${name}\``);
}

/** A migration that only creates tables (and drops them on revert): the shape of every LMS schema file. */
export function tablesMigration(name: string, tables: TableDdl[]): new () => MigrationInterface {
  return class implements MigrationInterface {
    name = name;

    async up(q: QueryRunner): Promise<void> {
      await createTables(q, tables);
    }

    async down(q: QueryRunner): Promise<void> {
      await dropTables(q, tables);
    }
  };
}
