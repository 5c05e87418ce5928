import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/**
 * What the LMS schema registry is checked against: edx-platform's own schema (the 2023-02 dump of
 * ../shared/reference/lms-schema/), the tables the project's LMS migrations create, and the strings of src/ (read
 * with SWC, the parser check:layers already uses, so comments never count and every string literal does).
 */
export const ROOT = path.resolve(__dirname, "../..");
const DUMP = path.resolve(ROOT, "../shared/reference/lms-schema/edxapp-2023-02.sql");

/** table → columns, and the Django app labels, of the real 2023-02 schema. */
export function realSchema(): { tables: Map<string, Set<string>>; apps: Set<string> } {
  const text = readFileSync(DUMP, "utf8");
  const tables = new Map<string, Set<string>>();
  for (const m of text.matchAll(/CREATE TABLE `([a-z0-9_]+)` \(([\s\S]*?)\n\) ENGINE/g)) {
    tables.set(m[1], new Set([...m[2].matchAll(/^ {2}`([A-Za-z0-9_]+)`/gm)].map((c) => c[1])));
  }
  const apps = new Set([...text.matchAll(/\(\d+,'([a-z0-9_]+)','[^']*','[^']*'\)/g)].map((m) => m[1]));
  return { tables, apps };
}

/** Tables the project's `migrate --with-lms-schema` creates (TableDdl entries: ["name", `ddl`]). */
export function migrationTables(): Set<string> {
  const dir = path.join(ROOT, "src/db/migrations/lms");
  const names = new Set<string>();
  for (const f of readdirSync(dir)) {
    for (const m of readFileSync(path.join(dir, f), "utf8").matchAll(/\[\s*"([a-z0-9_]+)",\s*`/g)) names.add(m[1]);
  }
  return names;
}

export interface SourceFile {
  file: string;
  /** Every string literal and template-literal part. */
  strings: string[];
  /** Object-literal keys written as identifiers ({ ip_address: null }). */
  keys: string[];
  /** Identifiers referenced (not declared), e.g. entity classes. */
  identifiers: Set<string>;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The parsed sources of src/, but for `excluded` directories (relative to the root). */
export function sourceFiles(excluded: string[]): SourceFile[] {
  const swc = require("@swc/core") as typeof import("@swc/core");
  return tsFiles(path.join(ROOT, "src"))
    .map((p) => path.relative(ROOT, p))
    .filter((file) => !excluded.some((dir) => file.startsWith(dir)))
    .map((file) => {
      const ast = swc.parseSync(readFileSync(path.join(ROOT, file), "utf8"), { syntax: "typescript", decorators: true });
      const found: SourceFile = { file, strings: [], keys: [], identifiers: new Set() };
      const walk = (node: unknown): void => {
        if (!node || typeof node !== "object") return;
        if (Array.isArray(node)) return node.forEach(walk);
        const n = node as Record<string, unknown> & { type?: string };
        if (n.type === "StringLiteral") found.strings.push(String(n.value));
        if (n.type === "TemplateElement") found.strings.push(String(n.cooked ?? n.raw));
        if (n.type === "KeyValueProperty" && (n.key as { type?: string })?.type === "Identifier") found.keys.push(String((n.key as { value: string }).value));
        if (n.type === "Identifier") found.identifiers.add(String(n.value));
        for (const [k, v] of Object.entries(n)) if (k !== "span") walk(v);
      };
      walk(ast);
      return found;
    });
}

/** The lower snake_case identifiers of a text (camelCase ones such as SQL aliases are not table or column names). */
export function wordsOf(text: string): string[] {
  return (text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).filter((w) => /^[a-z][a-z0-9_]*$/.test(w));
}

/** Words that look like LMS tables (a Django app label and a suffix) but are this project's own names. */
const NOT_LMS_TABLES = new Set(["status_ids"]);

/**
 * The LMS tables src/ names (in a string literal: SQL, an entity's name, a list of tables) that the registry does
 * not list, as "file: table". An LMS table is one of edx-platform's schema, of the project's LMS migrations, or a
 * word made of one of its Django app labels and a suffix that is not a column name (a table newer than the dump).
 */
export function unregisteredLmsTables(registered: ReadonlySet<string>): string[] {
  const { tables, apps } = realSchema();
  const known = new Set([...tables.keys(), ...migrationTables()]);
  const columns = new Set([...tables.values()].flatMap((c) => [...c]));
  const appPrefix = new RegExp(`^(${[...apps].join("|")})_[a-z0-9_]+$`);
  const looksLikeTable = (w: string) => known.has(w) || (appPrefix.test(w) && !columns.has(w) && !NOT_LMS_TABLES.has(w));
  const problems: string[] = [];
  for (const f of sourceFiles(["src/db/migrations/lms/", "src/db/lms-schema/"])) {
    for (const w of new Set(f.strings.flatMap(wordsOf))) if (looksLikeTable(w) && !registered.has(w)) problems.push(`${f.file}: ${w}`);
  }
  return problems;
}
