/**
 * One-line diagnoses of a failed service call, naming where (never a password). Apart from the probes so that a
 * command that only formats an error (queues, retry-failed) does not load the S3 and MySQL clients.
 */
/** host:port/db of a Redis URL, for messages (no credentials). */
export function redisWhere(redisUrl: string): string {
  const u = new URL(redisUrl);
  return `${u.hostname}:${u.port || 6379}${u.pathname && u.pathname !== "/" ? u.pathname : "/0"}`;
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
export function redisFailureDetail(redisUrl: string, err: unknown, refusal?: Error): string {
  if (refusal) return `at ${redisWhere(redisUrl)} refuses the connection (database index or credentials): ${describeError(refusal)}`;
  return `at ${redisWhere(redisUrl)} is unreachable or failing: ${describeError(err)}`;
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
