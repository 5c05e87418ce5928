import { expect } from "chai";
import { createConnection, type Connection } from "mysql2/promise";
import { adminUrlFor, DatabasePool, type DatabaseRecipe } from "../support/database-pool";
import { services, uniqueSuffix } from "../support/services";

/** A small schema with each kind of table the pool tells apart: AUTO_INCREMENT, without one, seeded, and a foreign key. */
const RECIPE: DatabaseRecipe = {
  kind: `pooltest_${uniqueSuffix()}`,
  charset: "utf8mb4 COLLATE utf8mb4_unicode_ci",
  async build(url) {
    const conn = await createConnection({ uri: url, multipleStatements: true });
    await conn.query(`
      CREATE TABLE parent (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(20) NOT NULL);
      CREATE TABLE child (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, parent_id int NOT NULL, FOREIGN KEY (parent_id) REFERENCES parent (id));
      CREATE TABLE plain (id varchar(20) NOT NULL PRIMARY KEY);
      CREATE TABLE seeded (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(20) NOT NULL);
      INSERT INTO seeded (name) VALUES ('first'), ('second');`);
    await conn.end();
  },
};

async function on<T>(db: string, fn: (c: Connection) => Promise<T>): Promise<T> {
  const conn = await createConnection({ uri: adminUrlFor(db) });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

async function state(db: string): Promise<Record<string, unknown>> {
  return on(db, async (c) => {
    const [tables] = await c.query("SELECT TABLE_NAME AS t, AUTO_INCREMENT AS ai, (SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS k WHERE k.TABLE_SCHEMA = s.TABLE_SCHEMA AND k.TABLE_NAME = s.TABLE_NAME) AS cols FROM information_schema.TABLES s WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", [db]);
    const out: Record<string, unknown> = {};
    for (const { t, ai, cols } of tables as Array<{ t: string; ai: number | null; cols: string }>) {
      const [rows] = await c.query(`SELECT * FROM \`${t}\` ORDER BY id`);
      out[t] = { ai: ai === null ? null : Number(ai), cols, rows: JSON.parse(JSON.stringify(rows)) };
    }
    return out;
  });
}

async function exists(db: string): Promise<boolean> {
  const conn = await createConnection({ uri: services.mysqlAdminUrl });
  const [rows] = await conn.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [db]);
  await conn.end();
  return (rows as unknown[]).length > 0;
}

describe("test databases: the recycling pool", () => {
  let pool: DatabasePool;
  let pristine: Record<string, unknown>;

  beforeEach(async () => {
    pool = new DatabasePool(RECIPE);
    const first = await pool.acquire();
    pristine = await state(first);
    pool.release(first);
  });

  afterEach(async () => {
    await pool.drain();
  });

  /** Every database the pool has ready, each held until the end. */
  async function takeAll(n: number): Promise<string[]> {
    const names: string[] = [];
    for (let i = 0; i < n; i++) names.push(await pool.acquire());
    return names;
  }

  it("hands out a used database emptied, AUTO_INCREMENT reset, seed rows kept; never to two holders at once", async () => {
    const used = await pool.acquire();
    await on(used, async (c) => {
      await c.query("INSERT INTO parent (name) VALUES ('a'), ('b')");
      await c.query("INSERT INTO child (parent_id) VALUES (1), (2)");
      await c.query("INSERT INTO plain (id) VALUES ('x')");
      await c.query("INSERT INTO parent (name) VALUES ('gone')");
      await c.query("DELETE FROM parent WHERE name = 'gone'");
    });
    pool.release(used);
    const names = await takeAll(3);
    expect(new Set(names).size, "three different databases").to.equal(3);
    expect(names).to.include(used);
    for (const name of names) expect(await state(name), name).to.deep.equal(pristine);
    for (const name of names) pool.release(name);
    // What .ci/run reports per suite (TEST_DB_POOL_STATS): the hand-outs of beforeEach and this test, and the two
    // releases that came back before a hand-out; a spare may be on its way, so builds are at least the three held.
    expect(pool.stats).to.include({ acquired: 5, discarded: 0 });
    expect(pool.stats.recycled).to.be.at.least(2);
    expect(pool.stats.built).to.be.at.least(3);
  });

  it("a table whose rows were all deleted (AUTO_INCREMENT moved on) is reset too", async () => {
    const used = await pool.acquire();
    await on(used, (c) => c.query("INSERT INTO parent (name) VALUES ('a'); ").then(() => c.query("DELETE FROM parent")));
    pool.release(used);
    const names = await takeAll(2);
    expect(names).to.include(used);
    expect(await state(used)).to.deep.equal(pristine);
  });

  for (const [change, sql] of [
    ["a column added", "ALTER TABLE plain ADD COLUMN extra int NULL"],
    ["a table dropped", "DROP TABLE plain"],
    ["a table created", "CREATE TABLE another (id int PRIMARY KEY)"],
    ["an index added", "CREATE INDEX parent_name ON parent (name)"],
    ["a trigger created", "CREATE TRIGGER no_x BEFORE INSERT ON plain FOR EACH ROW SET NEW.id = NEW.id"],
    ["a view created", "CREATE VIEW plain_view AS SELECT id FROM plain"],
    ["a seed row changed", "UPDATE seeded SET name = 'changed' WHERE id = 1"],
  ] as const) {
    it(`a database with ${change} is dropped, not handed out again`, async () => {
      const used = await pool.acquire();
      await on(used, (c) => c.query(sql));
      pool.release(used);
      const names = await takeAll(2);
      expect(names).not.to.include(used);
      for (const name of names) expect(await state(name)).to.deep.equal(pristine);
      await pool.drain();
      expect(await exists(used)).to.equal(false);
      expect(pool.stats.discarded, "counted as dropped after a schema change").to.equal(1);
    });
  }

  it("a connection the test left open on its database is closed before the next holder gets it", async () => {
    const used = await pool.acquire();
    const leftover = await createConnection({ uri: adminUrlFor(used) });
    leftover.on("error", () => undefined);
    pool.release(used);
    const names = await takeAll(2);
    expect(names).to.include(used);
    let error: unknown;
    await leftover.query("INSERT INTO plain (id) VALUES ('late')").catch((err: unknown) => (error = err));
    expect(error, "the leftover connection was killed").to.be.instanceOf(Error);
    expect(await state(used)).to.deep.equal(pristine);
    leftover.destroy();
  });

  it("drain drops every database of the pool", async () => {
    const names = await takeAll(2);
    for (const name of names) pool.release(name);
    await pool.drain();
    for (const name of names) expect(await exists(name), name).to.equal(false);
  });
});
