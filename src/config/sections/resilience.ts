import type { ConfigSource } from "../config-source";

/**
 * Time bounds of every network call and of process start and stop, and the Redis safety checks. Each timeout is a
 * retryable failure for a job (it backs off and runs again); at start it is an operational error (exit 1).
 */
export interface ResilienceConfig {
  startupTimeoutMs: number;
  redis: { connectTimeoutMs: number; maxmemoryPolicyCheck: "refuse" | "warn" | "off" };
  db: { connectTimeoutMs: number; statementTimeoutMs: number; poolSize: number };
  s3: { connectTimeoutMs: number; requestTimeoutMs: number };
  /** Cap of the exponential backoff between attempts; with JOB_ATTEMPTS it sets the retry window. */
  backoffMaxMs: number;
  watchdogMs: number;
  scheduleCheckIntervalMs: number;
}

/** Node's timers overflow above 2^31-1 ms (then fire at once): every duration is capped at 24 h. */
const DAY_MS = 24 * 3600 * 1000;

export function readResilienceConfig(src: ConfigSource): ResilienceConfig {
  const ms = (name: string, description: string, def: number, min = 1) => src.int(name, description, { default: def, min, max: DAY_MS });
  return {
    startupTimeoutMs: ms("STARTUP_TIMEOUT_MS", "How long a long-running command (worker) waits at start for Redis, the database and S3 before exiting 1 with the unreachable service named", 20000, 100),
    redis: {
      connectTimeoutMs: ms("REDIS_CONNECT_TIMEOUT_MS", "Timeout of one Redis connection attempt, in ms", 5000, 100),
      maxmemoryPolicyCheck: src.oneOf("REDIS_MAXMEMORY_POLICY_CHECK", "At start, a Redis whose maxmemory-policy is not noeviction (it may evict queue keys) is refused, only warned about, or not checked", ["refuse", "warn", "off"] as const, "refuse"),
    },
    db: {
      connectTimeoutMs: ms("DB_CONNECT_TIMEOUT_MS", "Timeout of one database connection attempt, in ms", 10000, 100),
      statementTimeoutMs: ms("DB_STATEMENT_TIMEOUT_MS", "Longest a worker's SQL statement may run (MariaDB max_statement_time, MySQL max_execution_time for SELECTs), in ms; 0 = no limit", 60000, 0),
      poolSize: src.int("DB_POOL_SIZE", "Database connections per worker process; 0 = concurrency × queues + 2 (see README: sizing against max_connections)", { default: 0, min: 0, max: 1000 }),
    },
    s3: {
      connectTimeoutMs: ms("S3_CONNECT_TIMEOUT_MS", "Timeout of one S3 TCP/TLS connection, in ms", 5000, 100),
      requestTimeoutMs: ms("S3_REQUEST_TIMEOUT_MS", "Longest an S3 request may wait for its response (a hung endpoint), in ms", 30000, 100),
    },
    backoffMaxMs: ms("JOB_BACKOFF_MAX_MS", "Cap of the doubling delay between attempts, in ms (with JOB_ATTEMPTS it sets the retry window; see README)", 120000, 0),
    watchdogMs: ms("WORKER_WATCHDOG_MS", "A worker that takes no job for this long while jobs wait logs it and exits 1 so its supervisor restarts it; 0 = off", 300000, 0),
    scheduleCheckIntervalMs: ms("SCHEDULE_CHECK_INTERVAL_MS", "How often a worker checks that its job schedulers still exist in Redis (re-creating them after a Redis restart), in ms", 60000, 100),
  };
}
