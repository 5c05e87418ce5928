import { expect } from "chai";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/**
 * The standalone LMS schema (`migrate --with-lms-schema`, the demo's and the default tests') must be edx-platform's:
 * for every LMS table it creates, the columns (name, order, type, nullability, default, charset), the indexes and
 * the foreign keys equal those of the real schema (the 2023-02 dump plus the later tables; docs/lms-schema.md).
 * A table another engineer adds to src/db/migrations/lms is checked the same way.
 */
type Rows = Array<Record<string, unknown>>;

const WORKER_TABLE = "openedx_workers\\_%";

async function lmsTables(db: TestDatabase): Promise<string[]> {
  const rows: Array<{ t: string }> = await db.dataSource.query(
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE ? ORDER BY TABLE_NAME",
    [WORKER_TABLE],
  );
  return rows.map((r) => r.t);
}

/** What the two schemas must agree on, for these tables, one string per column, index part and foreign key. */
async function shape(db: TestDatabase, tables: string[]): Promise<Map<string, string>> {
  const ds = db.dataSource;
  const columns: Rows = await ds.query(
    `SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, CHARACTER_SET_NAME, COLLATION_NAME
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)`,
    [tables],
  );
  const indexes: Rows = await ds.query(
    `SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, SUB_PART
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)`,
    [tables],
  );
  const foreignKeys: Rows = await ds.query(
    `SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
      WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME IN (?)`,
    [tables],
  );
  const out = new Map<string, string>();
  for (const c of columns) {
    const charset = c.CHARACTER_SET_NAME ? `${c.CHARACTER_SET_NAME}/${c.COLLATION_NAME}` : "";
    const parts = [`#${c.ORDINAL_POSITION}`, c.COLUMN_TYPE, c.IS_NULLABLE === "YES" ? "NULL" : "NOT NULL", `default=${c.COLUMN_DEFAULT ?? "none"}`, c.EXTRA, charset];
    out.set(`${c.TABLE_NAME}.${c.COLUMN_NAME}`, parts.filter(Boolean).join(" "));
  }
  for (const i of indexes) out.set(`${i.TABLE_NAME} index ${i.INDEX_NAME} #${i.SEQ_IN_INDEX}`, `${i.COLUMN_NAME}${i.SUB_PART ? `(${i.SUB_PART})` : ""} ${Number(i.NON_UNIQUE) ? "" : "unique"}`.trim());
  for (const f of foreignKeys) out.set(`${f.TABLE_NAME} foreign key ${f.CONSTRAINT_NAME} ${f.COLUMN_NAME}`, `→ ${f.REFERENCED_TABLE_NAME}.${f.REFERENCED_COLUMN_NAME} on update ${f.UPDATE_RULE} on delete ${f.DELETE_RULE}`);
  return out;
}

/** Every difference, as "what: standalone ≠ edx-platform". */
function differences(standalone: Map<string, string>, real: Map<string, string>): string[] {
  const keys = [...new Set([...standalone.keys(), ...real.keys()])].sort();
  return keys.filter((k) => standalone.get(k) !== real.get(k)).map((k) => `${k}: ${standalone.get(k) ?? "(absent)"} ≠ ${real.get(k) ?? "(absent)"}`);
}

describe("the standalone LMS schema equals edx-platform's (migrate --with-lms-schema vs the 2023-02 schema and the later tables)", () => {
  let standalone: TestDatabase;
  let real: TestDatabase;

  before(async function () {
    this.timeout(180000);
    standalone = await createTestDatabase({ lmsSchema: "project" });
    real = await createTestDatabase({ lmsSchema: "real" });
  });
  after(async () => {
    await standalone?.drop();
    await real?.drop();
  });

  it("every LMS table the standalone schema creates is one of edx-platform's", async () => {
    const realTables = new Set(await lmsTables(real));
    const tables = await lmsTables(standalone);
    expect(tables.length, "the standalone schema's LMS tables").to.be.greaterThan(80);
    expect(tables.filter((t) => !realTables.has(t))).to.deep.equal([]);
  });

  it("their columns, indexes and foreign keys are edx-platform's, item by item", async () => {
    const tables = await lmsTables(standalone);
    expect(differences(await shape(standalone, tables), await shape(real, tables))).to.deep.equal([]);
  });

  it("a hand-made difference is found (the comparison can fail)", async () => {
    await standalone.dataSource.query("ALTER TABLE auth_accountrecovery MODIFY is_active tinyint(1) NOT NULL DEFAULT 1");
    await standalone.dataSource.query("ALTER TABLE grades_persistentcoursegrade MODIFY id bigint(20) NOT NULL AUTO_INCREMENT");
    const tables = ["auth_accountrecovery", "grades_persistentcoursegrade"];
    expect(differences(await shape(standalone, tables), await shape(real, tables))).to.deep.equal([
      "auth_accountrecovery.is_active: #4 tinyint(1) NOT NULL default=1 ≠ #4 tinyint(1) NOT NULL default=none",
      "grades_persistentcoursegrade.id: #3 bigint(20) NOT NULL default=none auto_increment ≠ #3 bigint(20) unsigned NOT NULL default=none auto_increment",
    ]);
  });
});
