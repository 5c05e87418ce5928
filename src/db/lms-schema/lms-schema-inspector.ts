import type { DataSource, EntityManager, EntityTarget } from "typeorm";
import { registryTables } from "./lms-schema-registry";
import { LmsSchemaSnapshot } from "./lms-schema-snapshot";

const REGISTRY_TABLES = new Set(registryTables());

/**
 * Reads the registry's tables and columns from information_schema in ONE query, once per DataSource (a process
 * holds one pool): the worker's start check, `check-lms-schema` and the code that reads optional tables share it.
 * A failed read is retried by the next call. The schema is read as it was at start: after an LMS upgrade that adds
 * tables, restart the workers.
 */
export class LmsSchemaInspector {
  private loaded?: Promise<LmsSchemaSnapshot>;
  /** Tables read besides the registry's (operator-declared ones, e.g. RETIREMENT_EXTRA_ERASURES). */
  private readonly extra = new Set<string>();

  constructor(private readonly ds: DataSource) {}

  /**
   * The snapshot, covering the registry's tables and `tables`. Inside a transaction pass its `em`: the read then
   * uses the connection the caller already holds (a second pooled connection there can deadlock a pool whose
   * connections are all held by such callers). Asking for a table not read yet reads everything again, once: ask
   * for every extra table at the first call (the worker's start check does) and the process reads one time.
   */
  snapshot(em?: EntityManager, tables: readonly string[] = []): Promise<LmsSchemaSnapshot> {
    const unread = tables.filter((t) => !this.extra.has(t) && !REGISTRY_TABLES.has(t));
    if (unread.length > 0) {
      for (const t of unread) this.extra.add(t);
      this.loaded = undefined;
    }
    this.loaded ??= this.read(em ?? this.ds.manager).catch((err) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }

  private async read(em: EntityManager): Promise<LmsSchemaSnapshot> {
    const rows: Array<{ t: string; c: string }> = await em.query(
      "SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)",
      [[...REGISTRY_TABLES, ...this.extra]],
    );
    return LmsSchemaSnapshot.fromRows(rows.map((r) => ({ table: r.t, column: r.c })));
  }
}

const inspectors = new WeakMap<DataSource, LmsSchemaInspector>();

/** The inspector of this DataSource (one per pool, so one query per process). */
export function lmsSchemaOf(ds: DataSource): LmsSchemaInspector {
  let inspector = inspectors.get(ds);
  if (!inspector) inspectors.set(ds, (inspector = new LmsSchemaInspector(ds)));
  return inspector;
}

/**
 * Whether this database has an entity's LMS table with every column the entity maps (what a repository read or
 * insert of it needs), from the same cached snapshot. The table must be one the registry lists.
 */
export async function entityTableAvailable(ds: DataSource, entity: EntityTarget<unknown>, em?: EntityManager): Promise<boolean> {
  const metadata = ds.getMetadata(entity);
  return (await lmsSchemaOf(ds).snapshot(em)).has({ table: metadata.tableName, columns: metadata.columns.map((c) => c.databaseName) });
}
