import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { DataSource } from "typeorm";
import { LMS_ENTITIES } from "../../src/entities/lms";
import { compareLmsSchema, optionalLine, requiredLine } from "../../src/db/lms-schema/lms-schema-check";
import { BASELINE_RELEASE, LMS_RELEASES, firstReleaseAfter } from "../../src/db/lms-schema/lms-releases";
import { LMS_SCHEMA_REGISTRY, registryTables } from "../../src/db/lms-schema/lms-schema-registry";
import { LmsSchemaSnapshot } from "../../src/db/lms-schema/lms-schema-snapshot";
import { ALL_FAMILIES, LmsFamily, type LmsTableUse } from "../../src/db/lms-schema/lms-table-use";
import { LMS_ERASURES } from "../../src/services/retirement/lms-erasures";
import { ROOT, realSchema, sourceFiles, unregisteredLmsTables, wordsOf } from "../support/lms-schema-sources";

/**
 * History tables edx-platform dropped long before the baseline (no supported LMS has them) that lms-erasures.ts still
 * redacts when present; listed here so that the check below stays strict for every other table.
 */
const DROPPED_UPSTREAM: Record<string, string> = {
  credit_historicalcreditrequest: "credit's HistoricalCreditRequest, deleted by openedx/core/djangoapps/credit/migrations (2016)",
  credit_historicalcreditrequirementstatus: "credit's HistoricalCreditRequirementStatus, deleted with it",
  api_admin_historicalapiaccessrequest: "api_admin 0007_delete_historical_api_records",
};

const USES: Array<LmsTableUse & { family: LmsFamily }> = ALL_FAMILIES.flatMap((family) => LMS_SCHEMA_REGISTRY[family].map((u) => ({ ...u, family })));

/** Every column the registry lists for a table, whatever the family. */
function registeredColumns(): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const u of USES) {
    const set = map.get(u.table) ?? new Set<string>();
    for (const c of u.columns) set.add(c);
    map.set(u.table, set);
  }
  return map;
}

describe("LMS schema registry (src/db/lms-schema/): the truth about the LMS tables the code uses", () => {
  const real = realSchema();

  it("src/ names no LMS table the registry does not list", () => {
    expect(unregisteredLmsTables(new Set(registryTables())), "add each to its family's file in src/db/lms-schema/families/").to.deep.equal([]);
  });

  it("the scan finds a table the registry does not list (it can fail)", () => {
    const without = new Set(registryTables().filter((t) => t !== "grades_persistentcoursegrade"));
    expect(unregisteredLmsTables(without)).to.include("src/services/certificate-generation/generation-facts-loader.ts: grades_persistentcoursegrade");
  });

  /**
   * Columns, per file: a word of an SQL string (or a string that is one identifier, or an object key) that is a
   * column of a table the file names, in edx-platform's schema, must be registered for one of the tables it names.
   * A heuristic (it sees one file at a time and the union over families), but one that fails on a new column read.
   */
  function unregisteredColumns(registered: Map<string, Set<string>>): string[] {
    const SQL = /\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|WHERE|SET|VALUES)\b/;
    const problems: string[] = [];
    // Entities are checked below by what they map, for the entities the code uses.
    for (const f of sourceFiles(["src/db/migrations/", "src/db/lms-schema/", "src/entities/"])) {
      const named = [...new Set(f.strings.flatMap(wordsOf))].filter((w) => registered.has(w));
      if (named.length === 0) continue;
      const words = new Set([...f.strings.filter((s) => SQL.test(s) || /^[a-z][a-z0-9_]*$/.test(s)).flatMap(wordsOf), ...f.keys]);
      for (const w of words) {
        if (named.some((t) => real.tables.get(t)?.has(w)) && !named.some((t) => registered.get(t)!.has(w))) problems.push(`${f.file}: ${w} (of ${named.filter((t) => real.tables.get(t)?.has(w)).join(" or ")})`);
      }
    }
    return problems;
  }

  it("every column src/ reads or writes of a table it names is registered", () => {
    expect(unregisteredColumns(registeredColumns())).to.deep.equal([]);
  });

  it("the column scan finds an unregistered column (it can fail)", () => {
    const registered = registeredColumns();
    registered.get("grades_persistentcoursegrade")!.delete("percent_grade");
    expect(unregisteredColumns(registered)).to.include("src/services/certificate-generation/generation-facts-loader.ts: percent_grade (of grades_persistentcoursegrade)");
  });

  it("every column of an LMS entity src/ uses is registered (a repository reads and writes them all)", async () => {
    const used = new Set(sourceFiles(["src/entities/", "src/db/"]).flatMap((f) => [...f.identifiers]));
    const ds = new DataSource({ type: "mysql", database: "metadata_only", entities: LMS_ENTITIES });
    await (ds as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    const registered = registeredColumns();
    const problems: string[] = [];
    for (const metadata of ds.entityMetadatas) {
      if (!used.has(metadata.name)) continue;
      for (const column of metadata.columns) if (!registered.get(metadata.tableName)?.has(column.databaseName)) problems.push(`${metadata.name}: ${metadata.tableName}.${column.databaseName}`);
    }
    expect(problems).to.deep.equal([]);
  });

  /** A use with addedIn on a table of the 2023-02 schema: columns a newer release added to it. */
  const newerColumns = (u: LmsTableUse) => Boolean(u.addedIn && real.tables.has(u.table));
  /** What a newer item is called in docs/lms-schema.md: the table, or each added table.column. */
  const newerItems = (u: LmsTableUse) => (newerColumns(u) ? u.columns.map((c) => `${u.table}.${c}`) : [u.table]);

  it(`a table or column without addedIn is in edx-platform's 2023-02 schema (${BASELINE_RELEASE} on); one with addedIn is newer than it`, () => {
    const problems: string[] = [];
    for (const u of USES) {
      const columns = real.tables.get(u.table);
      if (u.addedIn) {
        if (!columns) continue;
        // Columns added to an older table: none of them in the dump, and the table's older columns a use of their own.
        for (const c of u.columns) if (columns.has(c)) problems.push(`${u.family}: ${u.table}.${c} is in the 2023-02 schema but says it was added in ${u.addedIn.release}`);
        if (!USES.some((o) => o.table === u.table && !o.addedIn)) problems.push(`${u.family}: ${u.table} is in the 2023-02 schema: register its older columns without addedIn`);
        continue;
      }
      if (!columns && DROPPED_UPSTREAM[u.table]) continue;
      if (!columns) problems.push(`${u.family}: ${u.table} is not in the 2023-02 schema: give its addedIn (the upstream migration that created it)`);
      else for (const c of u.columns) if (!columns.has(c)) problems.push(`${u.family}: ${u.table}.${c} is not in the 2023-02 schema`);
    }
    expect(problems).to.deep.equal([]);
  });

  it("addedIn names the first release cut after the migration (or after edx-platform adopted a third-party app's), later than the baseline; a newer item has one addedIn", () => {
    const baseline = LMS_RELEASES.findIndex((r) => r.name === BASELINE_RELEASE);
    for (const u of USES.filter((x) => x.addedIn)) {
      expect(u.addedIn!.release, `${u.table}`).to.equal(firstReleaseAfter(u.addedIn!.adoptedBy?.date ?? u.addedIn!.generated));
      expect(LMS_RELEASES.findIndex((r) => r.name === u.addedIn!.release), u.table).to.be.above(baseline);
      expect(u.optional?.because, `${u.table}: a newer table or column is optional ("newer")`).to.equal("newer");
      const sameItem = (o: LmsTableUse) => o.table === u.table && (!newerColumns(u) || o.columns.some((c) => u.columns.includes(c)));
      for (const other of USES.filter(sameItem)) expect(other.addedIn, `${other.family}: ${u.table}`).to.deep.equal(u.addedIn);
    }
    for (const u of USES.filter((x) => x.optional?.because === "newer")) expect(u.addedIn, u.table).to.not.equal(undefined);
  });

  it("docs/lms-schema.md names every optional table, and the release and migration of every newer table or column", () => {
    const docs = readFileSync(path.join(ROOT, "docs/lms-schema.md"), "utf8");
    for (const u of USES.filter((x) => x.optional && !newerColumns(x))) expect(docs, u.table).to.contain(`\`${u.table}\``);
    for (const u of USES.filter((x) => x.addedIn)) {
      for (const item of newerItems(u)) {
        const row = docs.split("\n").find((line) => line.startsWith(`| \`${item}\``));
        // A third-party app's migration is named "owner/repo path": the docs name the path (and the repository in words).
        expect(row, item).to.contain(u.addedIn!.release).and.to.contain(u.addedIn!.migration.split(" ").pop()).and.to.contain(u.addedIn!.generated);
        if (u.addedIn!.adoptedBy) expect(row, item).to.contain(u.addedIn!.adoptedBy.date);
      }
    }
  });

  it("every table an upstream erasure touches is a retirement table of the registry", () => {
    const retirement = new Set(LMS_SCHEMA_REGISTRY[LmsFamily.Retirement].map((u) => u.table));
    for (const e of LMS_ERASURES) for (const t of [...e.tables, ...e.historyTables]) expect(retirement.has(t), `${e.name}: ${t}`).to.equal(true);
  });

  describe("compareLmsSchema: what a database lacks, per family", () => {
    const snapshotOf = (drop: { tables?: string[]; columns?: string[] }) => {
      const rows: Array<{ table: string; column: string }> = [];
      for (const [table, columns] of registeredColumns()) {
        if (drop.tables?.includes(table)) continue;
        for (const column of columns) if (!drop.columns?.includes(`${table}.${column}`)) rows.push({ table, column });
      }
      return LmsSchemaSnapshot.fromRows(rows);
    };

    it("nothing missing: no item", () => {
      const report = compareLmsSchema(snapshotOf({}), ALL_FAMILIES);
      expect(report.missingRequired).to.deep.equal([]);
      expect(report.missingOptional).to.deep.equal([]);
    });

    it("a required column: one item naming table.column and every family that needs it", () => {
      const report = compareLmsSchema(snapshotOf({ columns: ["certificates_generatedcertificate.download_uuid"] }), ALL_FAMILIES);
      expect(report.missingRequired).to.deep.equal([{ table: "certificates_generatedcertificate", column: "download_uuid", families: [LmsFamily.Purge, LmsFamily.Generation, LmsFamily.Retirement] }]);
      expect(requiredLine(report.missingRequired[0])).to.equal("missing certificates_generatedcertificate.download_uuid: needed by purge, generation, retirement");
      expect(compareLmsSchema(snapshotOf({ columns: ["certificates_generatedcertificate.download_uuid"] }), [LmsFamily.Organizations]).missingRequired).to.deep.equal([]);
    });

    it("a missing table is one item, not one per column", () => {
      const report = compareLmsSchema(snapshotOf({ tables: ["grades_persistentcoursegrade"] }), ALL_FAMILIES);
      expect(report.missingRequired.map(requiredLine)).to.deep.equal(["missing table grades_persistentcoursegrade: needed by generation"]);
    });

    it("an optional table: one item saying why it may be missing and what each family skips", () => {
      const report = compareLmsSchema(snapshotOf({ tables: ["verify_student_verificationattempt"] }), ALL_FAMILIES);
      expect(report.missingRequired).to.deep.equal([]);
      expect(report.missingOptional).to.have.length(1);
      const line = optionalLine(report.missingOptional[0]);
      expect(line).to.match(/^missing table verify_student_verificationattempt \(optional, added in Sumac \(2024-12\)\): generation skips verification attempts.*; retirement skips the "verification attempts" erasure/);
    });

    it("an optional table's missing column is reported (the use is skipped as if the table were missing)", () => {
      const report = compareLmsSchema(snapshotOf({ columns: ["wiki_articlerevision.ip_address"] }), [LmsFamily.Retirement]);
      expect(report.missingOptional.map(optionalLine)).to.deep.equal([
        'missing wiki_articlerevision.ip_address (optional, an app this LMS may not install): retirement skips the "wiki revisions" erasure',
      ]);
    });
  });
});
