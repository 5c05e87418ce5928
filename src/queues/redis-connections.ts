import fs from "node:fs";
import IORedis, { ReplyError, type RedisOptions } from "ioredis";
import type { CoreConfig, ResilienceConfig } from "../config";

export interface RedisConnectionSettings {
  redisUrl: string;
  /** Timeout of one connection attempt (REDIS_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  sentinels?: Array<{ host: string; port: number }>;
  sentinelMaster?: string;
  sentinelPassword?: string;
  tlsCaFile?: string;
}

/** The connection settings of a loaded configuration (URL, timeouts, Sentinel, TLS CA). */
export function redisSettings(config: Pick<CoreConfig, "redisUrl"> & { resilience?: Pick<ResilienceConfig, "redis"> }): RedisConnectionSettings {
  const r = config.resilience?.redis;
  return { redisUrl: config.redisUrl, connectTimeoutMs: r?.connectTimeoutMs, sentinels: r?.sentinels, sentinelMaster: r?.sentinelMaster, sentinelPassword: r?.sentinelPassword, tlsCaFile: r?.tlsCaFile };
}

/** A process that must ride out Redis restarts reconnects forever, backing off to at most this. */
const MAX_RECONNECT_DELAY_MS = 5000;

/**
 * Workers block on Redis and must ride out restarts: BullMQ needs maxRetriesPerRequest null there, and the
 * connection retries forever (bounded delay). Their stop is bounded by the worker command, not by ioredis.
 */
export function workerConnectionOptions(settings: RedisConnectionSettings | string): RedisOptions {
  const s = typeof settings === "string" ? { redisUrl: settings } : settings;
  return {
    ...fromSettings(s),
    connectTimeout: s.connectTimeoutMs ?? 5000,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, MAX_RECONNECT_DELAY_MS),
  };
}

/**
 * The producer connection (Queue instances). In a CLI run it fails fast: a few quick reconnects, then every call
 * fails, so the command ends with an error instead of waiting forever. In a long-running process (the worker,
 * whose schedulers and idle checks use it) it reconnects forever, and a call fails after one reconnect attempt.
 */
export function producerConnectionOptions(settings: RedisConnectionSettings | string, mode: "cli" | "service" = "cli"): RedisOptions {
  const s = typeof settings === "string" ? { redisUrl: settings } : settings;
  return {
    ...fromSettings(s),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: s.connectTimeoutMs ?? 5000,
    retryStrategy: mode === "cli" ? (times) => (times > 3 ? null : Math.min(times * 200, 1000)) : (times) => Math.min(times * 200, MAX_RECONNECT_DELAY_MS),
  };
}

/** The database index of a redis:// URL ("/3"), or undefined when the path is not a plain index. */
function redisDatabaseIndex(redisUrl: string): number | undefined {
  const db = new URL(redisUrl).pathname.replace(/^\//, "");
  if (db === "") return 0;
  return /^\d{1,5}$/.test(db) ? Number(db) : undefined;
}

/**
 * ioredis options from the settings: a plain (or TLS) Redis from REDIS_URL, or, with REDIS_SENTINELS, the master
 * the sentinels name (REDIS_URL then gives the password and database). BullMQ takes either, through ioredis.
 */
function fromSettings(s: RedisConnectionSettings): RedisOptions {
  const base = fromUrl(s.redisUrl);
  if (s.tlsCaFile && base.tls) base.tls = { ca: fs.readFileSync(s.tlsCaFile) };
  if (!s.sentinels?.length) return base;
  const { host: _host, port: _port, ...rest } = base;
  return {
    ...rest,
    sentinels: s.sentinels,
    name: s.sentinelMaster ?? "mymaster",
    sentinelPassword: s.sentinelPassword,
    sentinelRetryStrategy: (times) => Math.min(times * 200, MAX_RECONNECT_DELAY_MS),
    ...(base.tls ? { enableTLSForSentinelMode: true } : {}),
  };
}

function fromUrl(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  const db = redisDatabaseIndex(redisUrl);
  if (db === undefined) throw new Error(`REDIS_URL: "${url.pathname}" is not a database index`);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db,
    tls: url.protocol === "rediss:" ? {} : undefined,
  };
}

/** Why Redis refused a fail-fast connection's setup (SELECT of the database index, AUTH), when it did. */
const refusals = new WeakMap<IORedis, Error>();

/** The reply Redis refused a `failFast` connection's setup with (e.g. "ERR DB index is out of range"), if any. */
export function connectionRefusal(redis: IORedis): Error | undefined {
  return refusals.get(redis);
}

/**
 * A shared connection for a process's Queue instances (BullMQ duplicates it for blocking work). With `failFast`
 * (CLI commands), a refused setup ends the connection: ioredis sends SELECT on connect and, when Redis refuses the
 * index (REDIS_URL …/99 on a Redis with 16 databases), only emits the reply error and carries on in database 0,
 * so a producer would silently write another database's keys. A reply error reaching 'error' is such a setup
 * refusal (a command's own error rejects that command instead); the command then fails naming Redis.
 */
export function createRedis(options: RedisOptions, opts: { failFast?: boolean } = {}): IORedis {
  const redis = new IORedis(options);
  // Failures surface on the calls that need Redis (and in logs via health checks); an 'error' listener keeps
  // ioredis from printing "Unhandled error event" stack traces on every reconnect attempt.
  redis.on("error", (err: Error) => {
    if (opts.failFast && err instanceof ReplyError && !refusals.has(redis)) {
      refusals.set(redis, err);
      redis.disconnect();
    }
  });
  return redis;
}
