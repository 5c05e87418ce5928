/**
 * One-line diagnoses of a failed service call, naming where (never a password). Apart from the probes so that a
 * command that only formats an error (queues, retry-failed) does not load the S3 and MySQL clients.
 */
import { describeRedis, type RedisConnectionSettings } from "../../queues/redis-connections";

/** Where Redis is, for messages (no credentials): host:port/db, the sentinels or the cluster nodes. */
export function redisWhere(settings: RedisConnectionSettings | string): string {
  return describeRedis(typeof settings === "string" ? { redisUrl: settings } : settings);
}

/** host:port/database of a database URL, for messages (no credentials). */
export function dbWhere(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  return `${u.hostname}:${u.port || 3306}${u.pathname}`;
}

export function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return (e.message ?? String(err)).split("\n")[0] + (e.code && !(e.message ?? "").includes(e.code) ? ` (${e.code})` : "");
}

/**
 * "at host:port/db is unreachable: …" from a failed Redis call of a running command; "refuses the connection: …"
 * when Redis refused the connection's setup (its database index, its credentials: connectionRefusal).
 */
export function redisFailureDetail(settings: RedisConnectionSettings | string, err: unknown, refusal?: Error): string {
  if (refusal) return `at ${redisWhere(settings)} refuses the connection (database index or credentials): ${describeError(refusal)}`;
  return `at ${redisWhere(settings)} is unreachable or failing: ${describeError(err)}`;
}

/** "at host:port/db refuses the credentials: …" and the like, from a mysql2 connection error. */
export function databaseFailureDetail(databaseUrl: string, err: unknown): string {
  const where = dbWhere(databaseUrl);
  const code = (err as { code?: string }).code ?? "";
  const text = describeError(err);
  if (code === "ER_ACCESS_DENIED_ERROR" || code === "ER_DBACCESS_DENIED_ERROR") return `at ${where} refuses the credentials: ${text}`;
  if (code === "ER_BAD_DB_ERROR") return `at ${where} has no such database: ${text}`;
  return `at ${where} is unreachable: ${text}`;
}
