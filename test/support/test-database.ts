import type { DataSource } from "typeorm";
import { createDataSource } from "../../src/db/data-source";
import { adminUrlFor, DatabasePool, type PoolStats } from "./database-pool";
import { LMS_SCHEMA_RECIPES, lmsSchemaFromEnv, type LmsSchemaKind } from "./lms-schemas";

export type { LmsSchemaKind } from "./lms-schemas";

export interface TestDatabase {
  name: string;
  url: string;
  /** The LMS schema it started from (test/support/lms-schemas.ts). */
  lmsSchema: LmsSchemaKind;
  dataSource: DataSource;
  /** Gives the database up: it is emptied for another test (or dropped when the test changed its schema). */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** The LMS schema to start from; default TEST_LMS_SCHEMA, else `project`. */
  lmsSchema?: LmsSchemaKind;
}

const pools = new Map<LmsSchemaKind, DatabasePool>();

function poolFor(kind: LmsSchemaKind): DatabasePool {
  let pool = pools.get(kind);
  if (!pool) pools.set(kind, (pool = new DatabasePool(LMS_SCHEMA_RECIPES[kind])));
  return pool;
}

/**
 * A database of the test's own: the LMS tables of the chosen schema, empty, and the worker's tables, migrated. It
 * comes from a pool of recycled databases (test/support/database-pool.ts), so it is ready at once after the first.
 */
export async function createTestDatabase(opts: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const lmsSchema = opts.lmsSchema ?? lmsSchemaFromEnv();
  const pool = poolFor(lmsSchema);
  const name = await pool.acquire();
  const url = adminUrlFor(name);
  const dataSource = createDataSource({ databaseUrl: url, withLmsSchema: lmsSchema === "project", poolSize: 20 });
  try {
    await dataSource.initialize();
  } catch (err) {
    pool.release(name);
    throw err;
  }
  let dropped = false;
  return {
    name,
    url,
    lmsSchema,
    dataSource,
    async drop() {
      if (dropped) return;
      dropped = true;
      if (dataSource.isInitialized) await dataSource.destroy();
      pool.release(name);
    },
  };
}

/** Drops every pooled database (mocha's global teardown, test/support/database-teardown.ts). */
export async function dropPooledDatabases(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.drain()));
  if (process.env.TEST_DB_POOL_STATS === "1") for (const [kind, pool] of pools) console.log(describePoolStats(kind, pool.stats));
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const average = (ms: number, n: number): string => (n ? seconds(ms / n) : "-");

/** One line of what the test databases of one LMS schema cost this process (.ci/run prints it per suite). */
export function describePoolStats(kind: LmsSchemaKind, s: PoolStats): string {
  return (
    `[test databases] ${kind}: ${s.acquired} handed out, tests waited ${seconds(s.waitMs)} in all; ` +
    `${s.built} built (${average(s.buildMs, s.built)} each), ${s.recycled} recycled in the background (${average(s.recycleMs, s.recycled)} each), ` +
    `${s.discarded} dropped after a schema change`
  );
}
