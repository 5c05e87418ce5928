import "reflect-metadata";
import { DataSource } from "typeorm";
import { LMS_ENTITIES } from "../entities/lms";
import { WORKER_ENTITIES } from "../entities/worker";
import { LMS_MIGRATIONS } from "./migrations/lms";
import { WORKER_MIGRATIONS } from "./migrations/worker";

const MIGRATIONS_TABLE = "openedx_workers_migrations";

interface DataSourceOptions {
  databaseUrl: string;
  /** Include the LMS schema migrations (standalone use, demos, tests); never on a real LMS database. */
  withLmsSchema?: boolean;
  poolSize?: number;
  /** Timeout of one connection attempt (DB_CONNECT_TIMEOUT_MS); mysql2's default is 10 s. */
  connectTimeoutMs?: number;
  /** Longest one statement may run (DB_STATEMENT_TIMEOUT_MS); 0 or unset = the server's own limit. */
  statementTimeoutMs?: number;
}

/**
 * mysql2 with a session statement limit on every new pooled connection. MariaDB has `max_statement_time`
 * (seconds, any statement); MySQL has `max_execution_time` (ms, SELECT only), tried when MariaDB's is unknown.
 * The SET is queued on the connection before it is handed out, so no statement runs without the limit.
 */
function mysqlWithStatementLimit(statementTimeoutMs: number): unknown {
  const mysql2 = require("mysql2") as typeof import("mysql2");
  return {
    ...mysql2,
    createPool(options: import("mysql2").PoolOptions) {
      const pool = mysql2.createPool(options);
      pool.on("connection", (conn) => {
        conn.query(`SET SESSION max_statement_time = ${statementTimeoutMs / 1000}`, (err) => {
          if (err) conn.query(`SET SESSION max_execution_time = ${Math.round(statementTimeoutMs)}`, () => undefined);
        });
      });
      return pool;
    },
  };
}

/**
 * The one place a DataSource is built. Migrations only, never synchronize: an operator may point this at a real
 * LMS database, whose schema belongs to edx-platform.
 */
export function createDataSource(opts: DataSourceOptions): DataSource {
  return new DataSource({
    type: "mysql",
    url: opts.databaseUrl,
    // Django stores UTC (USE_TZ = True); read and write DATETIMEs as UTC whatever the server's zone.
    timezone: "Z",
    charset: "utf8mb4_unicode_ci",
    entities: [...LMS_ENTITIES, ...WORKER_ENTITIES],
    migrations: opts.withLmsSchema ? [...LMS_MIGRATIONS, ...WORKER_MIGRATIONS] : WORKER_MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: "each",
    synchronize: false,
    poolSize: opts.poolSize ?? 10,
    connectTimeout: opts.connectTimeoutMs ?? 10000,
    ...(opts.statementTimeoutMs ? { driver: mysqlWithStatementLimit(opts.statementTimeoutMs) } : {}),
    logging: false,
    extra: { decimalNumbers: true, supportBigNumbers: true, bigNumberStrings: false },
  });
}

export async function openDataSource(opts: DataSourceOptions): Promise<DataSource> {
  const ds = createDataSource(opts);
  await ds.initialize();
  return ds;
}

