import { createConnection } from "mysql2/promise";
import type { DataSource } from "typeorm";
import { createDataSource } from "../../src/db/data-source";
import { services, uniqueSuffix } from "./services";

export interface TestDatabase {
  name: string;
  url: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

async function admin<T>(fn: (conn: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const conn = await createConnection({ uri: services.mysqlAdminUrl });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

/** A fresh database with the worker's and the LMS tables, migrated the way `migrate --with-lms-schema` does. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `owt_${uniqueSuffix()}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
  const admUrl = new URL(services.mysqlAdminUrl);
  admUrl.pathname = `/${name}`;
  const url = admUrl.toString();
  const dataSource = createDataSource({ databaseUrl: url, withLmsSchema: true, poolSize: 20 });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: "each" });
  return {
    name,
    url,
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name}`));
    },
  };
}
