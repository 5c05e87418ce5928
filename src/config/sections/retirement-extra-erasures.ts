import YAML from "yaml";
import { z } from "zod";
import { defineSection } from "../section";
import { variable } from "../variable";

/** What a table's user column holds: the auth_user id, the original username or the original email. */
export type ExtraErasureUserKey = "id" | "username" | "email";

/**
 * A value an extra erasure writes: a constant (`null` = SQL NULL, booleans as 1/0), or a text in which
 * `{retired_username}` and `{retired_email}` stand for the learner's retired values.
 */
export type ExtraErasureValue = string | number | boolean | null;

/** One RETIREMENT_EXTRA_ERASURES entry: the rows of `table` that belong to the learner, updated or deleted. */
export interface ExtraErasure {
  /** 1-based position in the list, for messages. */
  position: number;
  table: string;
  userColumn: string;
  userKey: ExtraErasureUserKey;
  /** How the column writes the learner's value, e.g. "user^{username}"; default the value itself. */
  userFormat: string;
  /** "exact" (=) or "prefix" (the formatted value starts the column's text). */
  match: "exact" | "prefix";
  /** Further equality conditions on constant values. */
  where: Record<string, ExtraErasureValue>;
  action: "delete" | "update";
  /** Columns set (with delete: redacted before the delete). */
  set: Record<string, ExtraErasureValue>;
  /** The built-in step whose transaction runs it: retire_lms (USER_RETIRE_LMS_CRITICAL, default) or retire_misc. */
  step: "retire_lms" | "retire_misc";
  /** Free text for docs and logs: which upstream receiver it stands in for. */
  upstream?: string;
}

/** A MySQL identifier as Django names tables and columns (they are quoted with backticks, so no backtick). */
const IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/;
const USER_PLACEHOLDERS: Record<ExtraErasureUserKey, string> = { id: "{id}", username: "{username}", email: "{email}" };
const SET_PLACEHOLDERS = ["{retired_username}", "{retired_email}"];

const identifier = z.string().regex(IDENTIFIER, "must be a table or column name (letters, digits, _ and $)");
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: "must be a text, a number, true/false or null" });

const entrySchema = z.strictObject({
  table: identifier,
  user_column: identifier,
  user_key: z.enum(["id", "username", "email"]).default("id"),
  user_format: z.string().min(1).optional(),
  match: z.enum(["exact", "prefix"]).default("exact"),
  where: z.record(identifier, scalar).default({}),
  action: z.enum(["delete", "update"]),
  set: z.record(identifier, scalar).default({}),
  step: z.enum(["retire_lms", "retire_misc"]).default("retire_lms"),
  upstream: z.string().optional(),
});

/** Placeholders of `text` other than the allowed ones. */
function unknownPlaceholders(text: string, allowed: string[]): string[] {
  return (text.match(/\{[^}]*\}/g) ?? []).filter((p) => !allowed.includes(p));
}

/** The entries, or the problems of each bad one ("entry 2 (table x): …"). */
export function parseExtraErasures(raw: unknown[]): { entries: ExtraErasure[]; problems: string[] } {
  const entries: ExtraErasure[] = [];
  const problems: string[] = [];
  raw.forEach((item, i) => {
    const position = i + 1;
    const label = `entry ${position}${item && typeof item === "object" && typeof (item as { table?: unknown }).table === "string" ? ` (table ${(item as { table: string }).table})` : ""}`;
    const parsed = entrySchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${label}: ${issue.path.length > 0 ? `${issue.path.join(".")} ` : ""}${issue.message}`);
      return;
    }
    const e = parsed.data;
    const placeholder = USER_PLACEHOLDERS[e.user_key];
    const userFormat = e.user_format ?? placeholder;
    const own: string[] = [];
    if (userFormat.split(placeholder).length !== 2) own.push(`user_format must hold ${placeholder} exactly once (user_key is ${e.user_key})`);
    const stray = unknownPlaceholders(userFormat, [placeholder]);
    if (stray.length > 0) own.push(`user_format has unknown placeholder(s) ${stray.join(", ")}`);
    if (e.action === "update" && Object.keys(e.set).length === 0) own.push("action update needs set: {column: value, …}");
    for (const [column, value] of Object.entries(e.set)) {
      const bad = typeof value === "string" ? unknownPlaceholders(value, SET_PLACEHOLDERS) : [];
      if (bad.length > 0) own.push(`set.${column} has unknown placeholder(s) ${bad.join(", ")} (known: ${SET_PLACEHOLDERS.join(", ")})`);
    }
    for (const column of Object.keys(e.where)) if (column in e.set) own.push(`where.${column} is also set: a redacted condition column would no longer find the rows`);
    if (e.action === "delete" && e.user_column in e.set) own.push(`set.${e.user_column} redacts the column that finds the rows, so the delete could not find them; redact other columns, or use action update`);
    if (own.length > 0) {
      problems.push(...own.map((p) => `${label}: ${p}`));
      return;
    }
    entries.push({
      position, table: e.table, userColumn: e.user_column, userKey: e.user_key, userFormat, match: e.match,
      where: e.where, action: e.action, set: e.set, step: e.step, upstream: e.upstream,
    });
  });
  return { entries, problems };
}

/** A YAML (or JSON) list in the environment; a YAML sequence in the config file. */
const yamlList = z.preprocess((v, ctx) => {
  if (typeof v !== "string") return v;
  try {
    return YAML.parse(v) as unknown;
  } catch (err) {
    ctx.issues.push({ code: "custom", message: `is not valid YAML: ${(err as Error).message}`, input: v });
    return z.NEVER;
  }
}, z.array(z.unknown(), { error: "must be a list of {table, user_column, action, …} entries" }).nullable());

export const extraErasuresSection = defineSection(
  {
    RETIREMENT_EXTRA_ERASURES: variable(yamlList, {
      description:
        "More LMS rows to erase in retire_lms's transaction (plugin data whose USER_RETIRE_* receivers never run here): a YAML list of {table, user_column, user_key (id|username|email), action (delete|update), set {column: value}, user_format, match (exact|prefix), where, step (retire_lms|retire_misc)}; checked against the database's tables and columns when a retirement worker starts. See docs/retirement.md",
    }),
  },
  (v, checks): ExtraErasure[] => {
    const { entries, problems } = parseExtraErasures(v.RETIREMENT_EXTRA_ERASURES ?? []);
    for (const p of problems) checks.problem("RETIREMENT_EXTRA_ERASURES", p);
    return entries;
  },
);
