import fs from "node:fs";
import path from "node:path";
import { createConnection } from "mysql2/promise";
import { createDataSource } from "../../src/db/data-source";
import { LATER_LMS_TABLES } from "../../src/db/migrations/lms/later-tables";
import type { DatabaseRecipe } from "./database-pool";

/**
 * The LMS schemas a test database can start from (docs/lms-schema.md):
 * - `project`: what `migrate --with-lms-schema` creates (the default);
 * - `real`: edx-platform's own schema, the devstack dump of edx-platform master of 2023-02-21
 *   (`../shared/reference/lms-schema/edxapp-2023-02.sql`), plus the tables added upstream since that the workers
 *   read (src/db/migrations/lms/later-tables.ts), then plain `migrate` (the worker's tables only);
 * - `real-2023-02`: the dump alone, then plain `migrate`: an LMS of that date, lacking the later tables.
 * `TEST_LMS_SCHEMA=real` (or `real-2023-02`) makes it the default of every test database.
 */
export type LmsSchemaKind = "project" | "real" | "real-2023-02";

const KINDS: LmsSchemaKind[] = ["project", "real", "real-2023-02"];

export function lmsSchemaFromEnv(): LmsSchemaKind {
  const value = process.env.TEST_LMS_SCHEMA || "project";
  if (!KINDS.includes(value as LmsSchemaKind)) throw new Error(`TEST_LMS_SCHEMA must be one of ${KINDS.join(", ")}; got "${value}"`);
  return value as LmsSchemaKind;
}

/** The dump, beside the repository as the team keeps it (`../shared/...`), or where TEST_LMS_SCHEMA_DUMP says. */
export function realSchemaDumpPath(): string {
  return process.env.TEST_LMS_SCHEMA_DUMP ?? path.resolve(__dirname, "../../../shared/reference/lms-schema/edxapp-2023-02.sql");
}

async function migrateWorkerTables(url: string, withLmsSchema: boolean): Promise<void> {
  const ds = createDataSource({ databaseUrl: url, withLmsSchema });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: "each" });
  } finally {
    await ds.destroy();
  }
}

async function loadRealSchema(url: string, laterTables: boolean): Promise<void> {
  const file = realSchemaDumpPath();
  if (!fs.existsSync(file)) throw new Error(`The real LMS schema dump is not at ${file} (set TEST_LMS_SCHEMA_DUMP)`);
  const conn = await createConnection({ uri: url, multipleStatements: true });
  try {
    await conn.query(fs.readFileSync(file, "utf8"));
    if (laterTables) for (const table of LATER_LMS_TABLES) await conn.query(table.createStatement);
  } finally {
    await conn.end();
  }
}

export const LMS_SCHEMA_RECIPES: Record<LmsSchemaKind, DatabaseRecipe> = {
  project: {
    kind: "project",
    charset: "utf8mb4 COLLATE utf8mb4_unicode_ci",
    build: (url) => migrateWorkerTables(url, true),
  },
  // The devstack LMS database is utf8 (utf8mb3), as the dump's tables are; the worker's tables name their own.
  real: {
    kind: "real",
    charset: "utf8 COLLATE utf8_general_ci",
    async build(url) {
      await loadRealSchema(url, true);
      await migrateWorkerTables(url, false);
    },
  },
  "real-2023-02": {
    kind: "real_2023_02",
    charset: "utf8 COLLATE utf8_general_ci",
    async build(url) {
      await loadRealSchema(url, false);
      await migrateWorkerTables(url, false);
    },
  },
};
