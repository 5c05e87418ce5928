import type { AppContext } from "../../app/app-context";
import { JobName } from "../../queues/registry";
import { OUTBOX_TABLE } from "../../services/event-bus/certificate-event-outbox";
import { CertificateEventPublisher } from "../../services/event-bus/certificate-event-publisher";
import type { JobDefinition } from "../job-handler";
import type { ScheduleDefinition } from "../schedule-definition";

/** Drains the certificate event outbox to the event bus (one drainer at a time; the others skip). */
export function publishCertificateEventsJob(ctx: AppContext): JobDefinition<JobName.PublishCertificateEvents> {
  const publisher = new CertificateEventPublisher(ctx.dataSource, ctx.config.eventBus, ctx.eventBus, ctx.logger);
  return {
    async handle() {
      const { locked, published, dropped } = await publisher.drain();
      if (locked) return { status: "skipped", reason: "another worker is draining the outbox" };
      return { status: "done", published, dropped };
    },
  };
}

/** Every EVENT_BUS_PUBLISH_INTERVAL_MS while SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS is on; removed when off. */
export const PUBLISH_CERTIFICATE_EVENTS_SCHEDULE: ScheduleDefinition<JobName.PublishCertificateEvents> = {
  schedulerId: "publish-certificate-events",
  jobName: JobName.PublishCertificateEvents,
  pattern: () => undefined,
  every: (config) => (config.eventBus.sendCertificateEvents ? config.eventBus.publishIntervalMs : undefined),
  data: () => ({}),
  // A run every few seconds: keep only a short tail of finished runs in Redis.
  jobOptions: { removeOnComplete: 100, removeOnFail: 1000 },
  // `worker --until-idle` waits for the outbox to be empty, draining it at once rather than at the next interval.
  drains: {
    what: OUTBOX_TABLE,
    pending: (ctx) => new CertificateEventPublisher(ctx.dataSource, ctx.config.eventBus, ctx.eventBus, ctx.logger).pending(),
  },
};
