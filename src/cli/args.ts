import { UsageError } from "../errors/usage-error";

export type OptionType = "boolean" | "string" | "list";

export interface OptionSpec {
  type: OptionType;
  /** Other spellings, e.g. upstream's `--certificate_ids` or a short `-u`. */
  aliases?: string[];
  description: string;
  valueName?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export type ParsedOptions = Record<string, boolean | string | string[] | undefined>;

export interface ParsedArgs {
  options: ParsedOptions;
  positionals: string[];
}

/**
 * Parses `--flag`, `--opt value`, `--opt=value` and list options that take several values, either space-separated
 * like upstream's argparse `nargs='+'` (`--certificate_ids 1 2 3`) or comma-separated (`--user-ids 1,2`).
 */
export function parseArgs(argv: string[], specs: OptionSpecs): ParsedArgs {
  const lookup = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) {
    lookup.set(`--${name}`, name);
    for (const alias of spec.aliases ?? []) lookup.set(alias, name);
  }
  const options: ParsedOptions = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const name = lookup.get(flag);
    if (!name) throw new UsageError(`unknown option ${flag}`);
    const spec = specs[name];
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      options[name] = true;
    } else if (spec.type === "string") {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith("--"))) throw new UsageError(`${flag} needs a value`);
      options[name] = value;
    } else {
      const values: string[] = inline !== undefined ? [inline] : [];
      while (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith("-")) values.push(argv[++i]);
      const items = values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
      options[name] = [...((options[name] as string[] | undefined) ?? []), ...items];
    }
  }
  return { options, positionals };
}

/** Positive integer ids from a list option; a bad one is a usage error that names it. */
export function parseIds(values: string[] | undefined, what: string): number[] {
  const ids: number[] = [];
  for (const v of values ?? []) {
    if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new UsageError(`invalid ${what} "${v}": ids are positive integers`);
    ids.push(Number(v));
  }
  return [...new Set(ids)];
}

export function parseIntOption(value: string | undefined, flag: string, opts: { default: number; min?: number; max?: number }): number {
  if (value === undefined) return opts.default;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, got "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag} is out of range, got "${value}"`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`${flag} must be at least ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`${flag} must be at most ${opts.max}, got ${n}`);
  return n;
}

/** Splits a stored argument string like a POSIX shell (quotes and backslashes), as Django's shlex.split does. */
export function shellSplit(text: string): string[] {
  const out: string[] = [];
  let current = "";
  let inToken = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) current += text[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inToken = true;
    } else if (c === "\\" && i + 1 < text.length) {
      current += text[++i];
      inToken = true;
    } else if (/\s/.test(c)) {
      if (inToken) out.push(current);
      current = "";
      inToken = false;
    } else {
      current += c;
      inToken = true;
    }
  }
  if (quote) throw new UsageError("unterminated quote in arguments");
  if (inToken) out.push(current);
  return out;
}

export function formatOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flags = [`--${name}`, ...(spec.aliases ?? [])].join(", ");
    const value = spec.type === "boolean" ? "" : spec.type === "list" ? ` ${spec.valueName ?? "VALUE"}…` : ` ${spec.valueName ?? "VALUE"}`;
    return [`${flags}${value}`, spec.description] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length), 10);
  return rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`).join("\n");
}
