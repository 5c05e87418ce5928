import fs from "node:fs";
import IORedis, { Cluster, ReplyError, type ClusterOptions, type RedisOptions } from "ioredis";
import type { CoreConfig, EventBusConfig, ResilienceConfig } from "../config";

export interface RedisConnectionSettings {
  redisUrl: string;
  /** Timeout of one connection attempt (REDIS_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  sentinels?: Array<{ host: string; port: number }>;
  sentinelMaster?: string;
  sentinelPassword?: string;
  /** Redis Cluster: startup nodes (REDIS_CLUSTER_NODES); REDIS_URL then gives only credentials and TLS. */
  clusterNodes?: Array<{ host: string; port: number }>;
  tlsCaFile?: string;
}

/** A client of the queues' Redis: one server (standalone or found through Sentinel) or a Cluster. */
export type RedisClient = IORedis | Cluster;

/** The connection settings of a loaded configuration (URL, timeouts, Sentinel or Cluster, TLS CA). */
export function redisSettings(config: Pick<CoreConfig, "redisUrl"> & { resilience?: Pick<ResilienceConfig, "redis"> }): RedisConnectionSettings {
  const r = config.resilience?.redis;
  return { redisUrl: config.redisUrl, connectTimeoutMs: r?.connectTimeoutMs, sentinels: r?.sentinels, sentinelMaster: r?.sentinelMaster, sentinelPassword: r?.sentinelPassword, clusterNodes: r?.clusterNodes, tlsCaFile: r?.tlsCaFile };
}

/**
 * The event bus's Redis: the queues' own (with its Sentinel settings) unless EVENT_BUS_REDIS_CONNECTION_URL names
 * another server, which is then reached by its URL (rediss:// with REDIS_TLS_CA_FILE).
 */
export function eventBusRedisSettings(config: Parameters<typeof redisSettings>[0] & { eventBus: Pick<EventBusConfig, "redisUrl" | "sharesQueueRedis"> }): RedisConnectionSettings {
  const queues = redisSettings(config);
  if (config.eventBus.sharesQueueRedis) return queues;
  return { redisUrl: config.eventBus.redisUrl, connectTimeoutMs: queues.connectTimeoutMs, tlsCaFile: queues.tlsCaFile };
}

/** Where the settings lead, for messages (never a password): host:port/db, the sentinels, or the cluster nodes. */
export function describeRedis(settings: RedisConnectionSettings): string {
  const list = (nodes: Array<{ host: string; port: number }>) => nodes.map((n) => `${n.host}:${n.port}`).join(",");
  if (settings.clusterNodes?.length) return `cluster nodes ${list(settings.clusterNodes)}`;
  if (settings.sentinels?.length) return `master ${settings.sentinelMaster ?? "mymaster"} via sentinels ${list(settings.sentinels)}`;
  const u = new URL(settings.redisUrl);
  return `${u.hostname}:${u.port || 6379}${u.pathname && u.pathname !== "/" ? u.pathname : "/0"}`;
}

/** A process that must ride out Redis restarts reconnects forever, backing off to at most this. */
const MAX_RECONNECT_DELAY_MS = 5000;

/**
 * Workers block on Redis and must ride out restarts: BullMQ needs maxRetriesPerRequest null there, and the
 * connection retries forever (bounded delay). Their stop is bounded by the worker command, not by ioredis.
 */
function workerConnectionOptions(settings: RedisConnectionSettings | string): RedisOptions {
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
function producerConnectionOptions(settings: RedisConnectionSettings | string, mode: "cli" | "service" = "cli"): RedisOptions {
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

/**
 * What a client is for, which sets how it rides out outages: "worker" blocks on Redis (BullMQ Workers,
 * QueueEvents, the event bus) and never gives up; "cli" fails fast; "service" is a long-running process's
 * non-blocking client (schedulers, console), which reconnects forever but fails calls quickly meanwhile.
 */
export type RedisRole = "worker" | "cli" | "service";

/**
 * The one place the service makes Redis clients: every worker, producer, scheduler, start check, CLI command,
 * console session store, metrics reader and event-bus connection comes from here, so standalone Redis, Sentinel
 * (REDIS_SENTINELS), Cluster (REDIS_CLUSTER_NODES) and TLS (rediss:// + REDIS_TLS_CA_FILE) work everywhere alike.
 * `overrides` are ioredis options for one use (a probe's lazyConnect, a command timeout); for a Cluster they are
 * split into the cluster's own options and those of each node connection.
 */
export function createRedisClient(settings: RedisConnectionSettings | string, role: RedisRole, overrides: RedisOptions = {}): RedisClient {
  const s = typeof settings === "string" ? { redisUrl: settings } : settings;
  const options = { ...(role === "worker" ? workerConnectionOptions(s) : producerConnectionOptions(s, role === "cli" ? "cli" : "service")), ...overrides };
  const client = s.clusterNodes?.length ? clusterClient(s.clusterNodes, options) : new IORedis(options);
  // Failures surface on the calls that need Redis (and in logs via health checks); an 'error' listener keeps
  // ioredis from printing "Unhandled error event" stack traces on every reconnect attempt.
  // A CLI client fails fast on a refused setup: ioredis sends SELECT on connect and, when Redis refuses the index
  // (REDIS_URL …/99 on a Redis with 16 databases), only emits the reply error and carries on in database 0, so a
  // producer would silently write another database's keys. A reply error reaching 'error' is such a setup refusal
  // (a command's own error rejects that command instead); the command then fails naming Redis.
  client.on("error", (err: Error) => {
    if (role === "cli" && err instanceof ReplyError && !refusals.has(client)) {
      refusals.set(client, err);
      client.disconnect();
    }
  });
  return client;
}

/** Why Redis refused a CLI client's setup (SELECT of the database index, AUTH), when it did. */
const refusals = new WeakMap<RedisClient, Error>();

/** The reply Redis refused a CLI client's setup with (e.g. "ERR DB index is out of range"), if any. */
export function connectionRefusal(redis: RedisClient): Error | undefined {
  return refusals.get(redis);
}

/** The credentials and database index REDIS_URL gives (the start probe sends AUTH and SELECT itself). */
export function redisUrlAuth(redisUrl: string): { username?: string; password?: string; db: number } {
  const { username, password, db } = fromUrl(redisUrl);
  return { username, password, db: db ?? 0 };
}

/** True for a Redis Cluster client (its nodes are separate servers: facts are read from each master). */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/**
 * An ioredis Cluster from single-server options: reconnection, offline queue and lazy connect are the cluster's
 * (it reconnects as a whole), credentials, TLS, timeouts and maxRetriesPerRequest go to every node connection.
 * BullMQ takes the Cluster as its connection and duplicates it for blocking commands.
 */
function clusterClient(nodes: Array<{ host: string; port: number }>, options: RedisOptions): Cluster {
  const {
    host: _host, port: _port, db: _db, sentinels: _sentinels, name: _name, sentinelPassword: _sp, sentinelRetryStrategy: _sr, enableTLSForSentinelMode: _st,
    retryStrategy, lazyConnect, enableOfflineQueue, ...redisOptions
  } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions,
    lazyConnect,
    enableOfflineQueue,
    clusterRetryStrategy: (times) => (retryStrategy ? (retryStrategy(times) ?? null) : null),
    // Reading the slot map is bounded like a connection attempt.
    slotsRefreshTimeout: options.connectTimeout ?? 5000,
  };
  return new Cluster(nodes, clusterOptions);
}
