import { describeRelease } from "./lms-releases";
import { LMS_SCHEMA_REGISTRY } from "./lms-schema-registry";
import type { LmsSchemaSnapshot } from "./lms-schema-snapshot";
import type { AddedIn, LmsFamily, OptionalBecause } from "./lms-table-use";

/** A required table or column the database lacks, and the families that cannot run without it. */
export interface MissingRequired {
  table: string;
  /** Null when the whole table is missing. */
  column: string | null;
  families: LmsFamily[];
}

/** An optional table (or a column of it) the database lacks, and what each family skips for it. */
export interface MissingOptional {
  table: string;
  column: string | null;
  because: OptionalBecause;
  addedIn?: AddedIn;
  skipped: Array<{ family: LmsFamily; skipped: string }>;
}

export interface LmsSchemaReport {
  families: LmsFamily[];
  /** Registry tables and columns compared, for the families checked. */
  checked: { tables: number; columns: number };
  missingRequired: MissingRequired[];
  missingOptional: MissingOptional[];
}

const key = (table: string, column: string | null) => `${table}.${column ?? ""}`;

/**
 * Compares what the families use with the database: a missing table is one item (not one per column), a missing
 * column of a present table one item each. The same table or column needed by several families is one item naming
 * them all. A table required by one family and optional for another is reported as required.
 */
export function compareLmsSchema(snapshot: LmsSchemaSnapshot, families: readonly LmsFamily[]): LmsSchemaReport {
  const required = new Map<string, MissingRequired>();
  const optional = new Map<string, MissingOptional>();
  const tables = new Set<string>();
  const columns = new Set<string>();
  for (const family of families) {
    for (const use of LMS_SCHEMA_REGISTRY[family]) {
      tables.add(use.table);
      for (const c of use.columns) columns.add(key(use.table, c));
      const missing = snapshot.hasTable(use.table) ? snapshot.missingColumns(use) : [null];
      for (const column of missing) {
        const k = key(use.table, column);
        if (!use.optional) {
          const item = required.get(k) ?? { table: use.table, column, families: [] };
          if (!item.families.includes(family)) item.families.push(family);
          required.set(k, item);
        } else {
          const item = optional.get(k) ?? { table: use.table, column, because: use.optional.because, addedIn: use.addedIn, skipped: [] };
          if (!item.skipped.some((s) => s.family === family && s.skipped === use.optional!.skipped)) item.skipped.push({ family, skipped: use.optional.skipped });
          optional.set(k, item);
        }
      }
    }
  }
  for (const k of required.keys()) optional.delete(k);
  const byName = <T extends { table: string; column: string | null }>(a: T, b: T) => key(a.table, a.column).localeCompare(key(b.table, b.column));
  return {
    families: [...families],
    checked: { tables: tables.size, columns: columns.size },
    missingRequired: [...required.values()].sort(byName),
    missingOptional: [...optional.values()].sort(byName),
  };
}

const BECAUSE: Record<OptionalBecause, string> = {
  app: "an app this LMS may not install",
  history: "a history table",
  newer: "newer than this LMS",
};

function itemName(table: string, column: string | null): string {
  return column === null ? `table ${table}` : `${table}.${column}`;
}

/** One line per missing required item: what is missing and which families need it. */
export function requiredLine(item: MissingRequired): string {
  return `missing ${itemName(item.table, item.column)}: needed by ${item.families.join(", ")}`;
}

/** One line per missing optional item: what is missing, why that is allowed, and what each family skips. */
export function optionalLine(item: MissingOptional): string {
  const why = item.because === "newer" && item.addedIn ? `added in ${describeRelease(item.addedIn.release)}` : BECAUSE[item.because];
  const byText = new Map<string, LmsFamily[]>();
  for (const s of item.skipped) byText.set(s.skipped, [...(byText.get(s.skipped) ?? []), s.family]);
  const skips = [...byText].map(([text, families]) => `${families.join(", ")} ${families.length === 1 ? "skips" : "skip"} ${text}`);
  return `missing ${itemName(item.table, item.column)} (optional, ${why}): ${skips.join("; ")}`;
}
