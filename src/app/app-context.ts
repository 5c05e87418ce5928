import type { S3Client } from "@aws-sdk/client-s3";
import type { DataSource } from "typeorm";
import type { AppConfig } from "../config";
import { openDataSource } from "../db/data-source";
import type { Logger } from "../logging/logger";
import { QueueSet } from "../queues/queue-set";
import { createS3Client } from "../storage/s3";

/**
 * The services a command or processor needs, built once per process and closed together. Tests build their own
 * with a per-test database, queue prefix and bucket.
 */
export interface AppContext {
  config: AppConfig;
  logger: Logger;
  dataSource: DataSource;
  s3: S3Client;
  queues: QueueSet;
}

export async function createAppContext(config: AppConfig, logger: Logger, opts: { s3?: S3Client } = {}): Promise<AppContext> {
  const dataSource = await openDataSource({ databaseUrl: config.databaseUrl, poolSize: Math.max(10, config.worker.concurrency * 2) });
  return { config, logger, dataSource, s3: opts.s3 ?? createS3Client(config), queues: new QueueSet(config) };
}

export async function closeAppContext(ctx: AppContext): Promise<void> {
  await ctx.queues.close();
  if (ctx.dataSource.isInitialized) await ctx.dataSource.destroy();
  ctx.s3.destroy();
}
