import type { LmsTableUse } from "./lms-table-use";

/**
 * The registry's tables as the connected database has them: table → its columns (a missing table is absent).
 * Column names compare case-insensitively, as MySQL compares them; table names exactly (lower_case_table_names=0).
 */
export class LmsSchemaSnapshot {
  constructor(private readonly tables: ReadonlyMap<string, ReadonlySet<string>>) {}

  static fromRows(rows: ReadonlyArray<{ table: string; column: string }>): LmsSchemaSnapshot {
    const tables = new Map<string, Set<string>>();
    for (const { table, column } of rows) {
      let columns = tables.get(table);
      if (!columns) tables.set(table, (columns = new Set()));
      columns.add(column.toLowerCase());
    }
    return new LmsSchemaSnapshot(tables);
  }

  hasTable(table: string): boolean {
    return this.tables.has(table);
  }

  hasColumn(table: string, column: string): boolean {
    return this.tables.get(table)?.has(column.toLowerCase()) ?? false;
  }

  /** The columns of a use this database lacks (every one of them when the table is missing). */
  missingColumns(use: LmsTableUse): string[] {
    return use.columns.filter((c) => !this.hasColumn(use.table, c));
  }

  /** Whether code may run what it does with this table: the table and every column of the use are there. */
  has(use: LmsTableUse): boolean {
    return this.missingColumns(use).length === 0;
  }
}
