import winston from "winston";
import type { CoreConfig } from "../config";

export type Logger = winston.Logger;

/**
 * Field names that could carry a learner's identity. Code never logs them on purpose; this strips them as a
 * second line of defence, because a log line is the hardest place to erase a learner from afterwards.
 */
const PII_FIELDS = new Set([
  "username", "email", "name", "first_name", "last_name", "full_name", "profile_name",
  "original_username", "original_email", "original_name", "retired_username", "retired_email", "password",
]);

const stripPii = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (PII_FIELDS.has(key.toLowerCase())) delete (info as Record<string, unknown>)[key];
  }
  return info;
});

export function createLogger(config: Pick<CoreConfig, "log">, stream: NodeJS.WritableStream = process.stderr): Logger {
  const format =
    config.log.format === "json"
      ? winston.format.combine(stripPii(), winston.format.timestamp(), winston.format.errors({ stack: false }), winston.format.json())
      : winston.format.combine(
          stripPii(),
          winston.format.timestamp({ format: "HH:mm:ss.SSS" }),
          winston.format.printf(({ timestamp, level, message, ...meta }) => {
            const extras = Object.entries(meta)
              .filter(([k]) => typeof k === "string")
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
