import type { FastifyInstance } from "fastify";
import type { AppConfig } from "../../config";
import { QueueSet } from "../../queues/queue-set";
import { CertificateEventOutbox } from "../../services/event-bus/certificate-event-outbox";
import { settlesWithin } from "../../util/with-timeout";
import type { ConsoleContext } from "../console-context";

type ProducerContext = {
  dataSource: ConsoleContext["dataSource"];
  queues: QueueSet;
  config: AppConfig;
  logger: ConsoleContext["logger"];
  /** The console's S3 client: a purge's dry run plans with it as the CLI's does. */
  s3: ConsoleContext["s3"];
  certificateEvents: CertificateEventOutbox;
};

/** One per console context: every area that enqueues shares its QueueSet (one Redis connection, not one per area). */
const producers = new WeakMap<ConsoleContext, ProducerContext>();

/**
 * What the producers need from an AppContext, for an area that enqueues: the producers' own QueueSet (their queue
 * defaults and bulk adds, so the console enqueues exactly what the CLI would), shared by the areas and closed with
 * the server (bounded: a Redis that is down must not hold the console's shutdown).
 */
export function producerContext(app: FastifyInstance, ctx: ConsoleContext): ProducerContext {
  const existing = producers.get(ctx);
  if (existing) return existing;
  const queues = new QueueSet(ctx.config, { mode: "service" });
  queues.connection.on("error", () => undefined); // the failing request reports it
  const created = { dataSource: ctx.dataSource, queues, config: ctx.config, logger: ctx.logger, s3: ctx.s3, certificateEvents: new CertificateEventOutbox(ctx.config.eventBus) };
  producers.set(ctx, created);
  app.addHook("onClose", async () => {
    producers.delete(ctx);
    if (!(await settlesWithin(queues.close(), 3000))) queues.connection.disconnect();
  });
  return created;
}
