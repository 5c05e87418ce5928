import type { S3Client } from "@aws-sdk/client-s3";
import type { AppContext } from "../app/app-context";
import type { AppConfig } from "../config";
import { openDataSource } from "../db/data-source";
import type { Logger } from "../logging/logger";
import { EventBusRedis } from "../queues/event-bus-redis";
import { QueueSet } from "../queues/queue-set";
import { eventBusRedisSettings } from "../queues/redis-connections";
import { createS3Client } from "../storage/s3";
import { CertificateSignals } from "./certificates/certificate-signals";
import { CertificateEventOutbox } from "./event-bus/certificate-event-outbox";
import { WaffleSwitches } from "./lms-config/waffle-switches";

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

/**
 * Builds the process's AppContext: the connections, then the services it carries. It lives in services/ because it
 * constructs them; app/ only declares the context (closeAppContext closes it).
 */
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
