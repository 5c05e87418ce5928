import IORedis, { type RedisOptions } from "ioredis";

/**
 * Workers block on Redis and must ride out restarts: BullMQ needs maxRetriesPerRequest null there.
 * Producers (CLI commands, schedulers) should fail fast instead of hanging when Redis is down.
 */
export function workerConnectionOptions(redisUrl: string): RedisOptions {
  return { ...fromUrl(redisUrl), maxRetriesPerRequest: null };
}

export function producerConnectionOptions(redisUrl: string): RedisOptions {
  return {
    ...fromUrl(redisUrl),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    // Give up after a few quick reconnects so a CLI run ends with an error rather than waiting forever.
    retryStrategy: (times) => (times > 3 ? null : Math.min(times * 200, 1000)),
  };
}

function fromUrl(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  const db = url.pathname.replace(/^\//, "");
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: db ? Number(db) : 0,
    tls: url.protocol === "rediss:" ? {} : undefined,
  };
}

/** A shared connection for a process's Queue instances (BullMQ duplicates it for blocking work). */
export function createRedis(options: RedisOptions): IORedis {
  return new IORedis(options);
}
