import { createConnection } from "mysql2/promise";
import { loadConfig } from "../../config";
import { createDataSource } from "../../db/data-source";
import { HELP_OPTION, type CommandBody } from "../command";

export const migrateCommand: CommandBody = {
  usage: "openedx-workers migrate [--with-lms-schema] [--show]",
  details: `The worker's own tables (prefix openedx_workers_) are always migrated. --with-lms-schema also creates the LMS
tables the workers use, with edx-platform's table and column names: for demos, tests and standalone use only.
Never use it on a real LMS database, whose schema belongs to edx-platform. Creates the database named in
DATABASE_URL if it does not exist.`,
  options: {
    "with-lms-schema": { type: "boolean", description: "Also create the LMS tables (standalone use only)" },
    show: { type: "boolean", description: "List pending migrations without running them" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const config = loadConfig(io.env);
    await ensureDatabase(config.databaseUrl, io.err);
    const ds = createDataSource({ databaseUrl: config.databaseUrl, withLmsSchema: options["with-lms-schema"] === true });
    await ds.initialize();
    try {
      if (options.show) {
        const pending = await ds.showMigrations();
        io.out(pending ? "There are pending migrations." : "No pending migrations.");
        return pending ? 1 : 0;
      }
      const ran = await ds.runMigrations({ transaction: "each" });
      if (ran.length === 0) io.out("No migrations to apply.");
      for (const m of ran) io.out(`Applied ${m.name}`);
      return 0;
    } finally {
      await ds.destroy();
    }
  },
};

/** Standalone setups start from an empty server; a real LMS database always exists already. */
async function ensureDatabase(databaseUrl: string, log: (line: string) => void): Promise<void> {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  const conn = await createConnection({
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  });
  try {
    const [rows] = await conn.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [database]);
    if ((rows as unknown[]).length === 0) {
      await conn.query(`CREATE DATABASE \`${database.replace(/`/g, "``")}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      log(`Created database ${database}`);
    }
  } finally {
    await conn.end();
  }
}
