import "reflect-metadata";
import { DataSource, type EntityManager } from "typeorm";
import { LMS_ENTITIES } from "../entities/lms";
import { WORKER_ENTITIES } from "../entities/worker";
import { LMS_MIGRATIONS } from "./migrations/lms";
import { WORKER_MIGRATIONS } from "./migrations/worker";

export const MIGRATIONS_TABLE = "openedx_workers_migrations";

export interface DataSourceOptions {
  databaseUrl: string;
  /** Include the LMS schema migrations (standalone use, demos, tests); never on a real LMS database. */
  withLmsSchema?: boolean;
  poolSize?: number;
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
    logging: false,
    extra: { decimalNumbers: true, supportBigNumbers: true, bigNumberStrings: false },
  });
}

export async function openDataSource(opts: DataSourceOptions): Promise<DataSource> {
  const ds = createDataSource(opts);
  await ds.initialize();
  return ds;
}

export type { EntityManager };
