import { CronExpressionParser } from "cron-parser";
import { z } from "zod";

/**
 * One configuration variable: its zod schema, its description and default (for `config` and docs/configuration.md),
 * and whether `config` must hide its value. Values reach a schema as the environment gives them (strings) or as
 * the YAML file gives them (strings, numbers, booleans, sequences, mappings), so every schema accepts both.
 */
interface Variable<T, HasDefault extends boolean = boolean> {
  schema: z.ZodType<T>;
  description: string;
  default: HasDefault extends true ? T : undefined;
  /** The default as the reference shows it, when `String(default)` is not how an operator would write it. */
  docDefault?: string;
  secret?: boolean;
}

export type Variables = Record<string, Variable<unknown>>;

/** The parsed value of a variable: a variable without a default is undefined when unset. */
type ValueOf<V> = V extends Variable<infer T, infer D> ? (D extends true ? T : T | undefined) : never;
export type ValuesOf<V extends Variables> = { [K in keyof V]: ValueOf<V[K]> };

interface Meta {
  description: string;
  docDefault?: string;
  secret?: boolean;
}

export function variable<T>(schema: z.ZodType<T>, meta: Meta & { default: NoInfer<T> }): Variable<T, true>;
export function variable<T>(schema: z.ZodType<T>, meta: Meta & { default?: undefined }): Variable<T, false>;
export function variable<T>(schema: z.ZodType<T>, meta: Meta & { default?: T }): Variable<T> {
  return { schema, ...meta, default: meta.default } as Variable<T>;
}

/** The reference text of a variable's default ("" when it has none). */
export function docDefaultOf(v: Variable<unknown>): string | undefined {
  if (v.docDefault !== undefined) return v.docDefault;
  if (v.default === undefined) return undefined;
  return Array.isArray(v.default) ? v.default.join(",") : String(v.default);
}

// ---- value kinds shared by the sections ----

/** A plain value (YAML numbers and booleans read as their text); a list or mapping is refused. */
export const text = () =>
  z.preprocess(
    (v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v),
    z.string({ error: "must be a plain value, not a list or mapping" }),
  );

export const int = (opts: { min?: number; max?: number } = {}) => {
  let schema = z.int({ error: (iss) => `must be a whole number, got "${String(iss.input)}"` });
  if (opts.min !== undefined) schema = schema.min(opts.min, { error: (iss) => `must be at least ${opts.min}, got ${String(iss.input)}` });
  if (opts.max !== undefined) schema = schema.max(opts.max, { error: (iss) => `must be at most ${opts.max}, got ${String(iss.input)}` });
  return z.preprocess((v) => (typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), schema);
};

const TRUE = ["true", "1", "yes", "on"];
const FALSE = ["false", "0", "no", "off"];
export const bool = () =>
  z.preprocess(
    (v) => {
      const t = typeof v === "string" ? v.trim().toLowerCase() : v;
      return TRUE.includes(t as string) ? true : FALSE.includes(t as string) ? false : v;
    },
    z.boolean({ error: (iss) => `must be true or false, got "${String(iss.input)}"` }),
  );

export const oneOf = <const T extends readonly [string, ...string[]]>(choices: T): z.ZodType<T[number]> =>
  z.preprocess((v) => (typeof v === "string" ? v.trim() : v), z.enum(choices, { error: (iss) => `must be one of ${choices.join(", ")}, got "${String(iss.input)}"` }));

export const url = (protocols: string[]) =>
  text().check((ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(ctx.value);
    } catch {
      ctx.issues.push({ code: "custom", message: "is not a valid URL", input: ctx.value });
      return;
    }
    if (!protocols.includes(parsed.protocol)) {
      ctx.issues.push({ code: "custom", message: `must be a ${protocols.join(" or ")} URL, got protocol ${parsed.protocol}`, input: ctx.value });
    }
  });

/**
 * A list: a YAML sequence, a JSON array in the environment, or (when `commaSeparated`) "a,b,c". The items then
 * go through `item`.
 */
export const list = <T>(item: z.ZodType<T>, opts: { commaSeparated?: boolean } = {}) =>
  z.preprocess((v, ctx) => {
    if (Array.isArray(v) || typeof v !== "string") return v;
    const trimmed = v.trim();
    if (trimmed.startsWith("[")) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        if (Array.isArray(parsed)) return parsed;
      } catch {
        /* reported below */
      }
      ctx.issues.push({ code: "custom", message: "is not a valid JSON array", input: v });
      return z.NEVER;
    }
    if (opts.commaSeparated) return trimmed.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    ctx.issues.push({ code: "custom", message: "must be a JSON array", input: v });
    return z.NEVER;
  }, z.array(item, { error: "must be a list" }));

/** Comma-separated strings (or a YAML sequence / JSON array of them); bad items are named in one problem. */
export const stringList = (pattern?: RegExp) =>
  list(z.unknown(), { commaSeparated: true }).check((ctx) => {
    const bad = ctx.value.filter((i) => typeof i !== "string" || (pattern !== undefined && !pattern.test(i)));
    if (bad.length > 0) ctx.issues.push({ code: "custom", message: `has invalid items: ${bad.map((b) => JSON.stringify(b)).join(", ")}`, input: ctx.value });
  }) as unknown as z.ZodType<string[]>;

/** One cron field's characters: digits, names (MON, JAN) and the operators * / , - ? L W #. */
const CRON_FIELD = /^[\d*/,\-A-Za-z?LW#]+$/;

/**
 * A cron pattern of 5 or 6 fields (with seconds), checked by cron-parser, the parser BullMQ's job schedulers use,
 * so a pattern accepted here is one the scheduler can run (`99 99 99 99 99`, `*\/0 * * * *` and `0 0 31 2 *`
 * are refused). Blank means unset; `off` means off, also for a schedule that is on by default.
 */
export const cron = () =>
  text()
    // "off" is "" (off, and not replaced by a default); an empty value counts as unset and so takes the default.
    .transform((v) => (v.trim().toLowerCase() === "off" ? "" : v.trim() || undefined))
    .check((ctx) => {
      const value = ctx.value;
      if (!value) return;
      const fields = value.split(/\s+/);
      if ((fields.length !== 5 && fields.length !== 6) || !fields.every((f) => CRON_FIELD.test(f))) {
        ctx.issues.push({ code: "custom", message: `"${value}" is not a cron pattern of 5 or 6 fields, e.g. "0 3 * * *"`, input: value });
        return;
      }
      try {
        CronExpressionParser.parse(value, { tz: "UTC" });
      } catch (err) {
        ctx.issues.push({ code: "custom", message: `"${value}" is not a valid cron pattern: ${(err as Error).message}`, input: value });
      }
    });
