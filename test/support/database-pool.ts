import { createConnection, type Connection } from "mysql2/promise";
import { services } from "./services";

/**
 * Recycled test databases. Building a database with the real LMS schema (497 tables) takes seconds and dropping
 * it seconds more, so a mocha process builds few of them and hands each test one that is as good as new: when the
 * test lets go, the tables that got rows are emptied and their AUTO_INCREMENT reset, in the background; a database
 * whose schema the test changed (a table dropped, renamed, created or altered, a seed row touched) is dropped
 * instead. Tests still each see an empty, freshly migrated schema, and no two tests share a database at once.
 *
 * What "as good as new" is checked against, per kind of database, is taken from the first one built: a fingerprint
 * of its tables, columns, indexes and foreign keys, each table's AUTO_INCREMENT, and a checksum of the tables that
 * hold rows from the start (django_migrations, the worker's migrations table).
 *
 * Hand-made because no pooling library knows how to tell a used MySQL schema from a clean one.
 */
export interface DatabaseRecipe {
  /** Part of the database names: letters, digits and underscores. */
  kind: string;
  /** The database's default character set and collation, e.g. "utf8mb4 COLLATE utf8mb4_unicode_ci". */
  charset: string;
  /** Fills the empty database `name` (reached at `url`) with its tables. */
  build(url: string, name: string): Promise<void>;
}

interface Baseline {
  fingerprint: string;
  /** Tables with an AUTO_INCREMENT column → its value when clean. */
  autoIncrement: Map<string, number>;
  /** Tables without one, empty when clean. */
  plainTables: string[];
  /** Tables that hold rows when clean → CHECKSUM TABLE. */
  seeded: Map<string, string>;
}

const PREFIX = "owtp_";
/** A test that holds a lock longer than this on a released database loses it: the database is dropped instead. */
const CLEAN_LOCK_WAIT_SECONDS = 10;

export function adminUrlFor(database: string): string {
  const url = new URL(services.mysqlAdminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(fn: (conn: Connection) => Promise<T>, database?: string): Promise<T> {
  const conn = await createConnection({ uri: database ? adminUrlFor(database) : services.mysqlAdminUrl, multipleStatements: true });
  try {
    return await fn(conn);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

async function rows<T>(conn: Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [result] = await conn.query(sql, params);
  return result as T[];
}

/** One string that changes when any table, view, column, index, foreign key, trigger, routine or event of the schema does. */
async function fingerprint(conn: Connection, db: string): Promise<string> {
  await conn.query("SET SESSION group_concat_max_len = 67108864");
  const [row] = await rows<{ t: string; c: string; s: string; f: string; r: string }>(
    conn,
    `SELECT
       (SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', TABLE_NAME, ENGINE, TABLE_COLLATION) ORDER BY TABLE_NAME SEPARATOR ';'))
          FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?) AS t,
       (SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE,
                 IFNULL(COLUMN_DEFAULT, '~'), IFNULL(COLLATION_NAME, '~'), EXTRA) ORDER BY TABLE_NAME, ORDINAL_POSITION SEPARATOR ';'))
          FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?) AS c,
       (SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, IFNULL(SUB_PART, '~'))
                 ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX SEPARATOR ';'))
          FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?) AS s,
       (SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, UPDATE_RULE, DELETE_RULE)
                 ORDER BY TABLE_NAME, CONSTRAINT_NAME SEPARATOR ';'))
          FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?) AS f,
       (SELECT CONCAT_WS('/',
          (SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', TRIGGER_NAME, ACTION_STATEMENT) ORDER BY TRIGGER_NAME)) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?),
          (SELECT MD5(GROUP_CONCAT(CONCAT_WS('|', ROUTINE_NAME, ROUTINE_DEFINITION) ORDER BY ROUTINE_NAME)) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?),
          (SELECT MD5(GROUP_CONCAT(EVENT_NAME ORDER BY EVENT_NAME)) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?))) AS r`,
    [db, db, db, db, db, db, db],
  );
  return `${row.t}/${row.c}/${row.s}/${row.f}/${row.r}`;
}

async function autoIncrements(conn: Connection, db: string): Promise<Map<string, number | null>> {
  const list = await rows<{ t: string; ai: number | null }>(
    conn,
    "SELECT TABLE_NAME AS t, AUTO_INCREMENT AS ai FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
    [db],
  );
  return new Map(list.map((r) => [r.t, r.ai === null ? null : Number(r.ai)]));
}

/** The tables among these that hold at least one row, in one statement. */
async function nonEmpty(conn: Connection, tables: string[]): Promise<string[]> {
  if (tables.length === 0) return [];
  const sql = tables.map((t) => `(SELECT ${conn.escape(t)} AS t FROM \`${t}\` LIMIT 1)`).join(" UNION ALL ");
  return (await rows<{ t: string }>(conn, sql)).map((r) => r.t);
}

async function checksums(conn: Connection, tables: string[]): Promise<Map<string, string>> {
  if (tables.length === 0) return new Map();
  const list = await rows<{ Table: string; Checksum: string | number }>(conn, `CHECKSUM TABLE ${tables.map((t) => `\`${t}\``).join(", ")}`);
  return new Map(list.map((r) => [r.Table.split(".").pop()!, String(r.Checksum)]));
}

async function takeBaseline(conn: Connection, db: string): Promise<Baseline> {
  const ai = await autoIncrements(conn, db);
  const all = [...ai.keys()];
  const seededTables = new Set(await nonEmpty(conn, all));
  const autoIncrement = new Map<string, number>();
  const plainTables: string[] = [];
  for (const [t, v] of ai) {
    if (seededTables.has(t)) continue;
    if (v === null) plainTables.push(t);
    else autoIncrement.set(t, v);
  }
  return { fingerprint: await fingerprint(conn, db), autoIncrement, plainTables, seeded: await checksums(conn, [...seededTables]) };
}

/** Drops the pool databases of mocha processes that ended without draining (killed, crashed). */
async function dropAbandoned(): Promise<void> {
  await admin(async (conn) => {
    const names = (await rows<Record<string, string>>(conn, `SHOW DATABASES LIKE '${PREFIX}%'`)).map((r) => Object.values(r)[0]);
    for (const name of names) {
      const pid = Number(/_p(\d+)_/.exec(name)?.[1]);
      if (!pid || pid === process.pid || isAlive(pid)) continue;
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined);
    }
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** What the pool did, for the cost of test databases (printed at the end of a run with TEST_DB_POOL_STATS=1). */
export interface PoolStats {
  /** Databases handed to tests, and the time tests waited for them in all. */
  acquired: number;
  waitMs: number;
  /** Databases built from the recipe, and their build time in all. */
  built: number;
  buildMs: number;
  /** Released databases emptied for reuse (in the background), and that time in all. */
  recycled: number;
  recycleMs: number;
  /** Released databases dropped instead (schema or seed rows changed). */
  discarded: number;
}

export class DatabasePool {
  private static abandonedSweep?: Promise<void>;
  readonly stats: PoolStats = { acquired: 0, waitMs: 0, built: 0, buildMs: 0, recycled: 0, recycleMs: 0, discarded: 0 };
  private readonly idle: string[] = [];
  /** Databases being built or cleaned; each resolves to the name when ready, or null when it was dropped. */
  private readonly preparing = new Set<Promise<string | null>>();
  private readonly dropping = new Set<Promise<void>>();
  /** Every database of this pool that exists, held or not. */
  private readonly alive = new Set<string>();
  private baseline?: Promise<Baseline>;
  private static counter = 0;
  private lastError?: unknown;

  constructor(private readonly recipe: DatabaseRecipe) {}

  /** A clean database of this kind, the caller's alone until `release`. */
  async acquire(): Promise<string> {
    const started = Date.now();
    const name = await this.take();
    this.stats.acquired++;
    this.stats.waitMs += Date.now() - started;
    return name;
  }

  get kind(): string {
    return this.recipe.kind;
  }

  private async take(): Promise<string> {
    DatabasePool.abandonedSweep ??= dropAbandoned().catch(() => undefined);
    for (;;) {
      const name = this.idle.shift();
      if (name) {
        this.keepOneSpare();
        return name;
      }
      if (this.preparing.size === 0) {
        const built = await this.build();
        this.keepOneSpare();
        return built;
      }
      // A database being built or cleaned lands in `idle` before this wakes; another caller may take it first.
      await Promise.race(this.preparing);
    }
  }

  /** Gives the database back: it is cleaned (or dropped) in the background. */
  release(name: string): void {
    this.track(this.recycle(name));
  }

  /** Drops every database of this pool, held ones too, once the work in progress ends (the end of the mocha run). */
  async drain(): Promise<void> {
    while (this.preparing.size > 0) await Promise.allSettled([...this.preparing]);
    this.idle.splice(0);
    for (const name of this.alive) this.drop(name);
    await Promise.allSettled([...this.dropping]);
  }

  private track(work: Promise<string | null>): void {
    const guarded = work.then(
      (name) => {
        this.preparing.delete(guarded);
        if (name) this.idle.push(name);
        return name;
      },
      (err: unknown) => {
        this.preparing.delete(guarded);
        this.lastError = err;
        return null;
      },
    );
    this.preparing.add(guarded);
  }

  /** After a hand-out, one more database is ready or on its way, so the next test need not wait for a build. */
  private keepOneSpare(): void {
    if (this.idle.length + this.preparing.size > 0) return;
    if (this.lastError) return; // a failing build is reported by the next acquire, not retried in a loop
    this.track(this.build());
  }

  private async build(): Promise<string> {
    if (this.lastError) {
      const err = this.lastError;
      this.lastError = undefined;
      throw err;
    }
    const started = Date.now();
    const name = `${PREFIX}${this.recipe.kind}_p${process.pid}_${++DatabasePool.counter}`;
    this.alive.add(name);
    await admin((c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET ${this.recipe.charset}`));
    try {
      await this.recipe.build(adminUrlFor(name), name);
      this.baseline ??= admin((c) => takeBaseline(c, name), name);
      await this.baseline;
    } catch (err) {
      this.drop(name);
      throw err;
    }
    this.stats.built++;
    this.stats.buildMs += Date.now() - started;
    return name;
  }

  /** Empties what the test filled and resets AUTO_INCREMENT; null (and the database dropped) when it cannot. */
  private async recycle(name: string): Promise<string | null> {
    const baseline = await this.baseline!;
    const started = Date.now();
    const clean = await admin(async (conn) => {
      // A child process or pool the test left behind must not write into the next test's database.
      const others = await rows<{ id: number }>(conn, "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", [name]);
      for (const { id } of others) await conn.query(`KILL CONNECTION ${Number(id)}`).catch(() => undefined);
      if ((await fingerprint(conn, name)) !== baseline.fingerprint) return false;
      const sums = await checksums(conn, [...baseline.seeded.keys()]);
      for (const [t, sum] of baseline.seeded) if (sums.get(t) !== sum) return false;
      const ai = await autoIncrements(conn, name);
      const dirty = [...baseline.autoIncrement].filter(([t, v]) => ai.get(t) !== v).map(([t]) => t);
      dirty.push(...(await nonEmpty(conn, baseline.plainTables)));
      if (dirty.length === 0) return true;
      await conn.query(`SET SESSION foreign_key_checks = 0, SESSION lock_wait_timeout = ${CLEAN_LOCK_WAIT_SECONDS}`);
      for (const t of dirty) {
        await conn.query(`DELETE FROM \`${t}\``);
        if (baseline.autoIncrement.has(t)) await conn.query(`ALTER TABLE \`${t}\` AUTO_INCREMENT = ${baseline.autoIncrement.get(t)}`);
      }
      return true;
    }, name).catch(() => false);
    if (clean) {
      this.stats.recycled++;
      this.stats.recycleMs += Date.now() - started;
      return name;
    }
    this.stats.discarded++;
    this.drop(name);
    return null;
  }

  private drop(name: string): void {
    this.alive.delete(name);
    const work = admin((c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``)).then(
      () => undefined,
      () => undefined,
    );
    this.dropping.add(work);
    void work.finally(() => this.dropping.delete(work));
  }
}
