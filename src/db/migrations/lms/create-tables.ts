import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A table of the standalone LMS schema: either its whole CREATE TABLE statement as edx-platform's schema has it
 * (copied from the reference dump, docs/lms-schema.md), or its name and the column/key list of that statement.
 * Either way the table gets the dump's table options (InnoDB, utf8: the charset of the devstack LMS database).
 */
export type TableDdl = string | [name: string, ddl: string];

const CREATE = /^CREATE TABLE `([^`]+)`/;

export function tableName(table: TableDdl): string {
  if (Array.isArray(table)) return table[0];
  const match = CREATE.exec(table);
  if (!match) throw new Error(`not a CREATE TABLE statement: ${table.slice(0, 60)}`);
  return match[1];
}

function createStatement(table: TableDdl): string {
  if (Array.isArray(table)) return `CREATE TABLE IF NOT EXISTS \`${table[0]}\` (${table[1]}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8`;
  return table.replace(CREATE, "CREATE TABLE IF NOT EXISTS `$1`");
}

/**
 * Creates the tables; IF NOT EXISTS because MySQL DDL commits at once, so a half-run migration can be re-run. Foreign
 * key checks are off meanwhile, as mysqldump has them, so a table may point at one of a later file (the order of
 * edx-platform's apps is not this project's).
 */
export async function createTables(q: QueryRunner, tables: TableDdl[]): Promise<void> {
  await q.query("SET SESSION foreign_key_checks = 0");
  try {
    for (const table of tables) await q.query(createStatement(table));
  } finally {
    await q.query("SET SESSION foreign_key_checks = 1");
  }
}

/** Drops the tables in reverse order (foreign key checks off: another file's table may point at one). */
export async function dropTables(q: QueryRunner, tables: TableDdl[]): Promise<void> {
  await q.query("SET SESSION foreign_key_checks = 0");
  try {
    for (const table of [...tables].reverse()) await q.query(`DROP TABLE IF EXISTS \`${tableName(table)}\``);
  } finally {
    await q.query("SET SESSION foreign_key_checks = 1");
  }
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
