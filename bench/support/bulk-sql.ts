import type { DataSource, EntityManager } from "typeorm";
import { insertLmsRows } from "../../test/support/lms-seed";

/**
 * Multi-row INSERT in chunks of 1,000 rows. LMS tables' NOT NULL columns that `columns` leaves out get the values
 * test/support/lms-seed.ts gives them (edx-platform's tables have no database defaults).
 */
export async function insertRows(ds: DataSource | EntityManager, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    await insertLmsRows(ds, table, rows.slice(i, i + 1000).map((row) => Object.fromEntries(columns.map((c, j) => [c, row[j]]))));
  }
}

/** Inserts one auth_user per tag (bulk) and returns their ids in the same order. */
export async function insertUsers(ds: DataSource, tags: string[]): Promise<number[]> {
  await insertRows(ds, "auth_user", ["username", "email", "first_name", "last_name", "password"], tags.map((t) => [`bench_${t}`, `bench_${t}@example.com`, `Ada${t}`, `Lovelace${t}`, "pbkdf2_sha256$bench"]));
  const rows: Array<{ id: number; username: string }> = [];
  for (let i = 0; i < tags.length; i += 1000) {
    rows.push(...(await ds.query(`SELECT id, username FROM auth_user WHERE username IN (?)`, [tags.slice(i, i + 1000).map((t) => `bench_${t}`)])));
  }
  const byName = new Map(rows.map((r) => [r.username, Number(r.id)]));
  return tags.map((t) => byName.get(`bench_${t}`)!);
}
