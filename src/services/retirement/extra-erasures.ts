import type { DataSource } from "typeorm";
import { lmsSchemaOf } from "../../db/lms-schema/lms-schema-inspector";
import type { ExtraErasure, ExtraErasureValue } from "../../config/sections/retirement-extra-erasures";
import { ConfigError } from "../../errors/config-error";
import type { LmsErasure, SqlCondition } from "./lms-erasures";
import type { LearnerStatus } from "./retirement-status-store";

const VARIABLE = "RETIREMENT_EXTRA_ERASURES";
/** LIKE's escape character here (an explicit one: the default backslash depends on NO_BACKSLASH_ESCAPES). */
const LIKE_ESCAPE = "!";

/** The learner's value in the entry's column, as the plugin writes it (e.g. "user^alice"), or the plain id. */
function userValue(entry: ExtraErasure, learner: LearnerStatus): string | number {
  const value = entry.userKey === "id" ? learner.userId : entry.userKey === "username" ? learner.originalUsername : learner.originalEmail;
  const placeholder = `{${entry.userKey}}`;
  if (entry.userFormat === placeholder) return value;
  return entry.userFormat.replace(placeholder, String(value));
}

/** The condition finding one learner's rows in the entry's user column. */
function learnerCondition(entry: ExtraErasure, learner: LearnerStatus): SqlCondition {
  const value = userValue(entry, learner);
  if (entry.match === "exact") return { sql: `\`${entry.userColumn}\` = ?`, params: [value] };
  const escaped = String(value).replace(/[!%_]/g, (c) => LIKE_ESCAPE + c);
  return { sql: `\`${entry.userColumn}\` LIKE ? ESCAPE '${LIKE_ESCAPE}'`, params: [`${escaped}%`] };
}

/** The rows of every learner of the batch (one condition: IN for exact matches, ORed LIKEs for prefixes), and `where`. */
function rowsOf(entry: ExtraErasure, learners: readonly LearnerStatus[]): SqlCondition {
  const parts: SqlCondition[] = [];
  if (entry.match === "exact") parts.push({ sql: `\`${entry.userColumn}\` IN (?)`, params: [learners.map((l) => userValue(entry, l))] });
  else {
    const each = learners.map((l) => learnerCondition(entry, l));
    parts.push({ sql: `(${each.map((c) => c.sql).join(" OR ")})`, params: each.flatMap((c) => c.params) });
  }
  for (const [column, value] of Object.entries(entry.where)) parts.push(value === null ? { sql: `\`${column}\` IS NULL`, params: [] } : { sql: `\`${column}\` = ?`, params: [sqlParam(value)] });
  return { sql: parts.map((p) => p.sql).join(" AND "), params: parts.flatMap((p) => p.params) };
}

function sqlParam(value: Exclude<ExtraErasureValue, null>): string | number {
  return typeof value === "boolean" ? (value ? 1 : 0) : value;
}

const hasLearnerValue = (value: ExtraErasureValue): value is string => typeof value === "string" && /\{retired_(username|email)\}/.test(value);

function withRetired(value: string, learner: LearnerStatus): string {
  return value.replaceAll("{retired_username}", learner.retiredUsername).replaceAll("{retired_email}", learner.retiredEmail);
}

/**
 * The SQL of a set value: a constant, or (with {retired_username}/{retired_email}) each learner's own text, as a CASE
 * on the learner conditions, so one statement sets every learner's rows to their own values.
 */
function setValue(entry: ExtraErasure, value: ExtraErasureValue, learners: readonly LearnerStatus[]): SqlCondition {
  if (value === null) return { sql: "NULL", params: [] };
  if (!hasLearnerValue(value)) return { sql: "?", params: [sqlParam(value)] };
  const whens = learners.map((l) => {
    const c = learnerCondition(entry, l);
    return { sql: `WHEN ${c.sql} THEN ?`, params: [...c.params, withRetired(value, l)] };
  });
  return { sql: `CASE ${whens.map((w) => w.sql).join(" ")} END`, params: whens.flatMap((w) => w.params) };
}

/**
 * An operator's RETIREMENT_EXTRA_ERASURES entry as one more erasure of its step: run by the same runner, inside the
 * step's transaction and after the built-in erasures of that step, probed first like them, for every learner of a
 * batch in one statement (the update, then the delete).
 */
function extraErasure(entry: ExtraErasure): LmsErasure {
  return {
    name: `extra erasure ${entry.position} (${entry.table})`,
    upstream: entry.upstream ?? `${VARIABLE} entry ${entry.position}`,
    phase: entry.step,
    tables: [entry.table],
    historyTables: [],
    operatorDeclared: true,
    probe: ({ learners }) => {
      const rows = rowsOf(entry, learners);
      return [{ sql: `EXISTS(SELECT 1 FROM \`${entry.table}\` WHERE ${rows.sql})`, params: rows.params }];
    },
    async apply({ em, learners }) {
      const rows = rowsOf(entry, learners);
      const sets = Object.entries(entry.set).map(([column, value]) => ({ column, ...setValue(entry, value, learners) }));
      if (sets.length > 0) {
        await em.query(`UPDATE \`${entry.table}\` SET ${sets.map((s) => `\`${s.column}\` = ${s.sql}`).join(", ")} WHERE ${rows.sql}`, [...sets.flatMap((s) => s.params), ...rows.params]);
      }
      // Redacted first, then deleted, as the built-ins (the config refuses a redaction of the column that finds the rows).
      if (entry.action === "delete") await em.query(`DELETE FROM \`${entry.table}\` WHERE ${rows.sql}`, rows.params);
    },
  };
}

export function extraErasures(entries: readonly ExtraErasure[]): LmsErasure[] {
  return entries.map(extraErasure);
}

/** The tables the entries name (what the LMS schema snapshot must also read). */
export function extraErasureTables(entries: readonly ExtraErasure[]): string[] {
  return [...new Set(entries.map((e) => e.table))];
}

/**
 * Every table and column the entries name that this database lacks, one problem each, from the process's one
 * information_schema read (the LMS schema snapshot, asked to cover these tables).
 */
export async function extraErasureSchemaProblems(ds: DataSource, entries: readonly ExtraErasure[]): Promise<string[]> {
  if (entries.length === 0) return [];
  const snapshot = await lmsSchemaOf(ds).snapshot(undefined, extraErasureTables(entries));
  const problems: string[] = [];
  for (const e of entries) {
    const label = `entry ${e.position} (table ${e.table})`;
    if (!snapshot.hasTable(e.table)) {
      problems.push(`${label}: table ${e.table} does not exist in this database`);
      continue;
    }
    for (const column of new Set([e.userColumn, ...Object.keys(e.where), ...Object.keys(e.set)])) {
      if (!snapshot.hasColumn(e.table, column)) problems.push(`${label}: column ${e.table}.${column} does not exist`);
    }
  }
  return problems;
}

/** The start check of a retirement worker: exit 2 (ConfigError) naming every unknown table or column. */
export async function checkExtraErasures(ds: DataSource, entries: readonly ExtraErasure[]): Promise<void> {
  const problems = await extraErasureSchemaProblems(ds, entries);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${VARIABLE}: ${p}`));
}
