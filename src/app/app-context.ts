import type { S3Client } from "@aws-sdk/client-s3";
import type { DataSource } from "typeorm";
import type { AppConfig } from "../config";
import type { Logger } from "../logging/logger";
import type { EventBusRedis } from "../queues/event-bus-redis";
import type { QueueSet } from "../queues/queue-set";
import { settlesWithin } from "../util/with-timeout";
import type { CertificateChangeRecorder } from "./certificate-change";

/**
 * The LMS's waffle switches as a service reads them (services/lms-config/waffle-switches.ts implements it). Declared
 * here so that the context stays below the services it carries (`app-context-not-upward` in .dependency-cruiser.cjs).
 */
export interface WaffleSwitchReader {
  isActive(name: string): Promise<boolean>;
  /** lms/djangoapps/certificates/api.py `auto_certificate_generation_enabled()`. */
  autoCertificateGeneration(): Promise<boolean>;
}

/**
 * The services a command or processor needs, built once per process (services/app-context-factory.ts) and closed
 * together. Tests build their own with a per-test database, queue prefix and bucket. The services are typed by what
 * their users call (CertificateChangeRecorder, WaffleSwitchReader), so app/ imports nothing from services/.
 */
export interface AppContext {
  config: AppConfig;
  logger: Logger;
  dataSource: DataSource;
  s3: S3Client;
  queues: QueueSet;
  /** Where every certificate change records its events (CertificateEventOutbox: a no-op with publishing off). */
  certificateEvents: CertificateChangeRecorder;
  /** What a certificate write records in its transaction (CertificateSignals): the events, the Credentials update, milestones. */
  certificateSignals: CertificateChangeRecorder;
  /** The event bus Redis (connects on first use). */
  eventBus: EventBusRedis;
  /** The LMS's waffle switches (certificates.auto_certificate_generation), cached WAFFLE_CACHE_MS. */
  waffle: WaffleSwitchReader;
}

/** How long each service's close may take before it is abandoned (a dead Redis or database never answers QUIT). */
const CLOSE_BOUND_MS = 3000;

export async function closeAppContext(ctx: AppContext): Promise<void> {
  if (!(await settlesWithin(ctx.queues.close(), CLOSE_BOUND_MS))) ctx.queues.connection.disconnect();
  await settlesWithin(ctx.eventBus.close(), CLOSE_BOUND_MS);
  if (ctx.dataSource.isInitialized) await settlesWithin(ctx.dataSource.destroy(), CLOSE_BOUND_MS);
  ctx.s3.destroy();
}
