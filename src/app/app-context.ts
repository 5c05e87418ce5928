import type { S3Client } from "@aws-sdk/client-s3";
import type { DataSource } from "typeorm";
import type { AppConfig } from "../config";
import { openDataSource } from "../db/data-source";
import type { Logger } from "../logging/logger";
import { QueueSet } from "../queues/queue-set";
import { eventBusRedisSettings } from "../queues/redis-connections";
import { CertificateSignals } from "../services/certificates/certificate-signals";
import { CertificateEventOutbox } from "../services/event-bus/certificate-event-outbox";
import { EventBusRedis } from "../services/event-bus/event-bus-redis";
import { WaffleSwitches } from "../services/lms-config/waffle-switches";
import { createS3Client } from "../storage/s3";
import { settlesWithin } from "../util/with-timeout";

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
  /** Where every certificate change records its events (a no-op with publishing off). */
  certificateEvents: CertificateEventOutbox;
  /** What a certificate write records in its transaction: the events, the Credentials update, milestones. */
  certificateSignals: CertificateSignals;
  /** The event bus Redis (connects on first use). */
  eventBus: EventBusRedis;
  /** The LMS's waffle switches (certificates.auto_certificate_generation), cached WAFFLE_CACHE_MS. */
  waffle: WaffleSwitches;
}

interface AppContextOptions {
  s3?: S3Client;
  /** "service" for long-running processes: Redis connections that reconnect forever. Default "cli". */
  mode?: "cli" | "service";
  /** Queues this process works on (sizes the database pool). Default 1. */
  queueCount?: number;
}

/**
 * Database connections per process: DB_POOL_SIZE, or concurrency × queues + 2. A job holds at most one connection
 * at a time (its transactions are short and never nest), so that is one per possible in-flight job plus two for
 * the schedulers, fan-outs and final-failure handling that run beside them. The sum over every worker process
 * must stay below the LMS database's max_connections minus what the LMS itself uses (docs/operating-under-faults.md: "Database pool sizing").
 */
function databasePoolSize(config: Pick<AppConfig, "worker" | "resilience">, queueCount = 1): number {
  return config.resilience.db.poolSize || config.worker.concurrency * Math.max(1, queueCount) + 2;
}

export async function createAppContext(config: AppConfig, logger: Logger, opts: AppContextOptions = {}): Promise<AppContext> {
  const dataSource = await openDataSource({
    databaseUrl: config.databaseUrl,
    poolSize: databasePoolSize(config, opts.queueCount),
    connectTimeoutMs: config.resilience.db.connectTimeoutMs,
    statementTimeoutMs: config.resilience.db.statementTimeoutMs,
  });
  const certificateEvents = new CertificateEventOutbox(config.eventBus);
  return {
    config, logger, dataSource, s3: opts.s3 ?? createS3Client(config), queues: new QueueSet(config, { mode: opts.mode }),
    certificateEvents,
    certificateSignals: CertificateSignals.fromConfig(certificateEvents, config),
    eventBus: new EventBusRedis(eventBusRedisSettings(config)),
    waffle: new WaffleSwitches(dataSource, config.features.waffleCacheMs),
  };
}

/** How long each service's close may take before it is abandoned (a dead Redis or database never answers QUIT). */
const CLOSE_BOUND_MS = 3000;

export async function closeAppContext(ctx: AppContext): Promise<void> {
  if (!(await settlesWithin(ctx.queues.close(), CLOSE_BOUND_MS))) ctx.queues.connection.disconnect();
  await settlesWithin(ctx.eventBus.close(), CLOSE_BOUND_MS);
  if (ctx.dataSource.isInitialized) await settlesWithin(ctx.dataSource.destroy(), CLOSE_BOUND_MS);
  ctx.s3.destroy();
}
