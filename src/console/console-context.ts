import type { S3Client } from "@aws-sdk/client-s3";
import { Queue } from "bullmq";
import type { DataSource } from "typeorm";
import type { AppConfig } from "../config";
import { createDataSource } from "../db/data-source";
import type { Logger } from "../logging/logger";
import { createRedisClient, redisSettings, type RedisClient } from "../queues/redis-connections";
import { ALL_QUEUES, type QueueName } from "../queues/registry";
import { CachedDependencyChecks, ensureInitialized } from "../services/health/dependency-check";
import { StaffDirectory } from "../services/auth/staff-directory";
import { createS3Client } from "../storage/s3";

/**
 * What the console's plugins share: one Redis connection (queues, sessions, rate limits), a database pool, an S3
 * client for the readiness check, and a Queue per registry queue. Built without touching the network, so the
 * console starts (and /readyz reports) while a dependency is down.
 */
export interface ConsoleContext {
  config: AppConfig;
  logger: Logger;
  redis: RedisClient;
  dataSource: DataSource;
  s3: S3Client;
  queues: Map<QueueName, Queue>;
  staff: StaffDirectory;
  /** The dependency checks of /readyz and /metrics, shared and cached (HEALTH_CACHE_MS). */
  health: CachedDependencyChecks;
}

/** How long one run of the dependency checks answers /readyz and /metrics: a flood costs one check per period. */
const HEALTH_CACHE_MS = 1500;

export function createConsoleContext(config: AppConfig, logger: Logger, opts: { s3?: S3Client } = {}): ConsoleContext {
  // A long-running server keeps reconnecting (unlike a CLI run) and fails requests fast meanwhile; errors are
  // reported by /readyz and by the failing request.
  const redis = createRedisClient(redisSettings(config), "service", {
    retryStrategy: (times) => Math.min(times * 200, 2000),
    enableOfflineQueue: false,
  });
  const dataSource = createDataSource({ databaseUrl: config.databaseUrl, poolSize: 5 });
  const queues = new Map<QueueName, Queue>();
  for (const name of ALL_QUEUES) {
    const queue = new Queue(name, { connection: redis, prefix: config.queuePrefix });
    queue.on("error", () => undefined);
    queues.set(name, queue);
  }
  const s3 = opts.s3 ?? createS3Client(config, { maxAttempts: 1 });
  return {
    config,
    logger,
    redis,
    dataSource,
    s3,
    queues,
    staff: new StaffDirectory(dataSource, config.console.adminGroup),
    health: new CachedDependencyChecks({ redis, dataSource, s3, bucket: config.certificates.bucket }, config.console.healthTimeoutMs, HEALTH_CACHE_MS, logger),
  };
}

/** Opens the database pool; a failure is logged, not fatal (the readiness check retries it). */
export async function openConsoleDatabase(ctx: ConsoleContext): Promise<void> {
  try {
    await ensureInitialized(ctx.dataSource);
  } catch (err) {
    ctx.logger.warn("database not reachable yet; /readyz reports it until it is", { error: err });
  }
}

export async function closeConsoleContext(ctx: ConsoleContext): Promise<void> {
  await Promise.all([...ctx.queues.values()].map((q) => q.close().catch(() => undefined)));
  if (ctx.dataSource.isInitialized) await ctx.dataSource.destroy().catch(() => undefined);
  ctx.s3.destroy();
  await ctx.redis.quit().catch(() => ctx.redis.disconnect());
}
