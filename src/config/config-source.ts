import fs from "node:fs";
import YAML from "yaml";
import { ConfigError } from "../errors/config-error";

/** One documented configuration variable; the list of them is the config reference (README, `config --help`). */
export interface VariableDoc {
  name: string;
  description: string;
  default?: string;
  secret?: boolean;
}

/** One cron field: digits, names (MON, JAN) and the operators * / , - ? L W #. */
const CRON_FIELD = /^[\d*/,\-A-Za-z?LW#]+$/;

type Raw = string | number | boolean | unknown[] | Record<string, unknown>;

/**
 * Reads variables from the environment first, then the optional YAML file, recording every problem instead of
 * throwing at the first one, so a bad deployment learns everything that is wrong in one go.
 */
export class ConfigSource {
  readonly problems: string[] = [];
  readonly docs: VariableDoc[] = [];
  /** Conditions checked only when a command requires the variable (see `requirement`). */
  readonly requirements = new Map<string, () => string | string[] | undefined>();
  private readonly fileValues: Record<string, unknown>;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    fileValues: Record<string, unknown> = {},
  ) {
    this.fileValues = fileValues;
  }

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): ConfigSource {
    const file = env.OPENEDX_WORKERS_CONFIG;
    if (!file) return new ConfigSource(env);
    let parsed: unknown;
    try {
      parsed = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
      throw new ConfigError([`OPENEDX_WORKERS_CONFIG: cannot read YAML file ${file}: ${(err as Error).message}`]);
    }
    if (parsed == null) parsed = {};
    if (typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ConfigError([`OPENEDX_WORKERS_CONFIG: ${file} must hold a mapping of VARIABLE: value`]);
    }
    return new ConfigSource(env, parsed as Record<string, unknown>);
  }

  /** Problems for YAML keys no section asked for: a typo there would otherwise be silently ignored. */
  unknownFileKeys(): string[] {
    const known = new Set(this.docs.map((d) => d.name));
    return Object.keys(this.fileValues).filter((k) => !known.has(k));
  }

  private raw(doc: VariableDoc): Raw | undefined {
    if (!this.docs.some((d) => d.name === doc.name)) this.docs.push(doc);
    const fromEnv = this.env[doc.name];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    const fromFile = this.fileValues[doc.name];
    if (fromFile === undefined || fromFile === null || fromFile === "") return undefined;
    return fromFile as Raw;
  }

  private fail<T>(name: string, message: string, fallback: T): T {
    this.problems.push(`${name}: ${message}`);
    return fallback;
  }

  string(name: string, description: string, opts: { default: string; secret?: boolean }): string;
  string(name: string, description: string, opts?: { default?: undefined; secret?: boolean }): string | undefined;
  string(name: string, description: string, opts: { default?: string; secret?: boolean } = {}): string | undefined {
    const value = this.raw({ name, description, default: opts.default, secret: opts.secret });
    if (value === undefined) return opts.default;
    if (typeof value === "object") return this.fail(name, "must be a plain value, not a list or mapping", opts.default);
    return String(value);
  }

  url(name: string, description: string, protocols: string[], defaultValue?: string): string | undefined {
    const value = defaultValue === undefined ? this.string(name, description) : this.string(name, description, { default: defaultValue });
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        return this.fail(name, `must be a ${protocols.join(" or ")} URL, got protocol ${parsed.protocol}`, undefined);
      }
      return value;
    } catch {
      return this.fail(name, `is not a valid URL`, undefined);
    }
  }

  int(name: string, description: string, opts: { default: number; min?: number; max?: number }): number {
    const value = this.raw({ name, description, default: String(opts.default) });
    if (value === undefined) return opts.default;
    const n = typeof value === "number" ? value : /^-?\d+$/.test(String(value).trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n)) return this.fail(name, `must be a whole number, got "${String(value)}"`, opts.default);
    if (opts.min !== undefined && n < opts.min) return this.fail(name, `must be at least ${opts.min}, got ${n}`, opts.default);
    if (opts.max !== undefined && n > opts.max) return this.fail(name, `must be at most ${opts.max}, got ${n}`, opts.default);
    return n;
  }

  bool(name: string, description: string, defaultValue: boolean): boolean {
    const value = this.raw({ name, description, default: String(defaultValue) });
    if (value === undefined) return defaultValue;
    if (typeof value === "boolean") return value;
    const text = String(value).trim().toLowerCase();
    if (["true", "1", "yes", "on"].includes(text)) return true;
    if (["false", "0", "no", "off"].includes(text)) return false;
    return this.fail(name, `must be true or false, got "${String(value)}"`, defaultValue);
  }

  oneOf<T extends string>(name: string, description: string, choices: readonly T[], defaultValue: T): T {
    const value = this.string(name, `${description} (${choices.join("|")})`, { default: defaultValue });
    if ((choices as readonly string[]).includes(value)) return value as T;
    return this.fail(name, `must be one of ${choices.join(", ")}, got "${value}"`, defaultValue);
  }

  /**
   * A list: a YAML sequence, a JSON array in the environment, or (when `commaSeparated`) "a,b,c".
   * Items are returned as they are; callers validate their shape.
   */
  list(name: string, description: string, opts: { default: unknown[]; commaSeparated?: boolean; docDefault?: string }): unknown[] {
    const value = this.raw({ name, description, default: opts.docDefault ?? JSON.stringify(opts.default) });
    if (value === undefined) return opts.default;
    if (Array.isArray(value)) return value;
    const text = String(value).trim();
    if (text.startsWith("[")) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) return parsed;
      } catch {
        /* reported below */
      }
      return this.fail(name, "is not a valid JSON array", opts.default);
    }
    if (opts.commaSeparated) return text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    return this.fail(name, "must be a JSON array", opts.default);
  }

  stringList(name: string, description: string, opts: { default: string[]; pattern?: RegExp }): string[] {
    const items = this.list(name, description, { default: opts.default, commaSeparated: true, docDefault: opts.default.join(",") });
    const bad = items.filter((i) => typeof i !== "string" || (opts.pattern && !opts.pattern.test(i)));
    if (bad.length > 0) return this.fail(name, `has invalid items: ${bad.map((b) => JSON.stringify(b)).join(", ")}`, opts.default);
    return items as string[];
  }

  /** A mapping: a YAML mapping in the config file, or a JSON object in the environment. */
  mapping(name: string, description: string, opts: { secret?: boolean } = {}): Record<string, unknown> | undefined {
    const value = this.raw({ name, description, secret: opts.secret });
    if (value === undefined) return undefined;
    let parsed: unknown = value;
    if (typeof value === "string") {
      try {
        parsed = JSON.parse(value);
      } catch {
        return this.fail(name, "is not a valid JSON object", undefined);
      }
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return this.fail(name, "must be a mapping (a JSON object or a YAML mapping)", undefined);
    return parsed as Record<string, unknown>;
  }

  /** A cron pattern of 5 or 6 fields (with seconds), as BullMQ's job schedulers take it; unset or blank = off. */
  cron(name: string, description: string): string | undefined {
    const value = this.string(name, description)?.trim();
    if (!value) return undefined;
    const fields = value.split(/\s+/);
    if ((fields.length !== 5 && fields.length !== 6) || !fields.every((f) => CRON_FIELD.test(f))) {
      return this.fail(name, `"${value}" is not a cron pattern of 5 or 6 fields, e.g. "0 3 * * *"`, undefined);
    }
    return value;
  }

  /**
   * A condition the variable must meet only for commands that require it (e.g. secret salts for retirement), so
   * operators who do not use that feature are not asked to configure it. Returns a problem text, or undefined.
   */
  requirement(name: string, check: () => string | string[] | undefined): void {
    this.requirements.set(name, check);
  }

  /** Records a cross-field problem found by a section after reading its variables. */
  problem(name: string, message: string): void {
    this.problems.push(`${name}: ${message}`);
  }
}
