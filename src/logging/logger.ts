import winston from "winston";
import type { CoreConfig } from "../config";
import { errorCode } from "../errors/error-code";

export type Logger = winston.Logger;

/**
 * Field names that could carry a learner's identity. Code never logs them on purpose; this strips them, at any
 * depth of a logged object, as a second line of defence, because a log line is the hardest place to erase a
 * learner from afterwards.
 */
const PII_FIELDS = new Set([
  "username", "email", "name", "first_name", "last_name", "full_name", "profile_name",
  "original_username", "original_email", "original_name", "retired_username", "retired_email", "password",
]);

/** Deeper than this, a logged value is replaced by a marker (logs carry ids and small results, not documents). */
const MAX_DEPTH = 8;

interface LoggedError {
  code: string;
  message: string;
  stack?: string;
}

/** An error as a log field: a stable `code` and the message; the stack only when debugging. */
function loggedError(err: Error, withStack: boolean): LoggedError {
  return { code: errorCode(err), message: err.message, ...(withStack && err.stack ? { stack: err.stack } : {}) };
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The value with PII-named keys removed at every depth and errors turned into LoggedError. */
function sanitize(value: unknown, withStack: boolean, depth: number, seen: WeakSet<object>): unknown {
  if (value instanceof Error) return loggedError(value, withStack);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[circular]";
  if (depth >= MAX_DEPTH) return "[too deep]";
  if (!Array.isArray(value) && !isPlainObject(value)) return value; // Date, Buffer…: the formats know them
  seen.add(value);
  const out = Array.isArray(value)
    ? value.map((item) => sanitize(item, withStack, depth + 1, seen))
    : Object.fromEntries(
        Object.entries(value)
          .filter(([key]) => !PII_FIELDS.has(key.toLowerCase()))
          .map(([key, item]) => [key, sanitize(item, withStack, depth + 1, seen)]),
      );
  seen.delete(value);
  return out;
}

const sanitizeFields = winston.format((info, opts) => {
  const withStack = (opts as { withStack?: boolean } | undefined)?.withStack === true;
  const record = info as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key === "level" || key === "message") continue;
    if (PII_FIELDS.has(key.toLowerCase())) delete record[key];
    else record[key] = sanitize(record[key], withStack, 0, new WeakSet());
  }
  return info;
});

/**
 * JSON lines (default) or a human format ("pretty": time, level, message, then key=value pairs). Both strip PII
 * fields at any depth and log errors as `{code, message}`, with `stack` when LOG_LEVEL is debug.
 */
export function createLogger(config: Pick<CoreConfig, "log">, stream: NodeJS.WritableStream = process.stderr): Logger {
  const sanitizing = sanitizeFields({ withStack: config.log.level === "debug" });
  const format =
    config.log.format === "json"
      ? winston.format.combine(winston.format.errors({ stack: config.log.level === "debug" }), sanitizing, winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          winston.format.errors({ stack: config.log.level === "debug" }),
          sanitizing,
          winston.format.timestamp({ format: "HH:mm:ss.SSS" }),
          winston.format.printf(({ timestamp, level, message, ...meta }) => {
            const extras = Object.entries(meta)
              .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
              .join(" ");
            return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${extras ? ` ${extras}` : ""}`;
          }),
        );
  return winston.createLogger({
    level: config.log.level,
    format,
    transports: [new winston.transports.Stream({ stream })],
  });
}

/** A logger that drops everything, for library use and tests that do not inspect logs. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
