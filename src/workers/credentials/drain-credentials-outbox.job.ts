import type { AppContext } from "../../app/app-context";
import { JobName } from "../../queues/registry";
import { CredentialsDrainer } from "../../services/credentials/credentials-drainer";
import { CREDENTIALS_OUTBOX_TABLE, CredentialsOutbox } from "../../services/credentials/credentials-outbox";
import type { JobDefinition } from "../job-handler";
import type { ScheduleDefinition } from "../schedule-definition";

/** Turns recorded certificate changes into award-course-certificate jobs (CredentialsDrainer). */
export function drainCredentialsOutboxJob(ctx: AppContext): JobDefinition<JobName.DrainCredentialsOutbox> {
  const drainer = new CredentialsDrainer(ctx.dataSource, ctx.queues);
  return {
    async handle() {
      if (!ctx.config.credentials.internalServiceUrl) return { status: "skipped", reason: "CREDENTIALS_INTERNAL_SERVICE_URL is unset" };
      const { enqueued, recovered } = await drainer.drain();
      return { status: "done", enqueued, recovered };
    },
  };
}

/** Every CREDENTIALS_DRAIN_INTERVAL_MS while CREDENTIALS_INTERNAL_SERVICE_URL is set; removed when it is not. */
export const DRAIN_CREDENTIALS_OUTBOX_SCHEDULE: ScheduleDefinition<JobName.DrainCredentialsOutbox> = {
  schedulerId: "drain-credentials-outbox",
  jobName: JobName.DrainCredentialsOutbox,
  pattern: () => undefined,
  every: (config) => (config.credentials.internalServiceUrl ? config.credentials.drainIntervalMs : undefined),
  data: () => ({}),
  // A run every few seconds: keep only a short tail of finished runs in Redis.
  jobOptions: { removeOnComplete: 100, removeOnFail: 1000 },
  // `worker --until-idle` waits until every recorded change has its award job (which it then waits for as well).
  drains: { what: CREDENTIALS_OUTBOX_TABLE, pending: (ctx) => new CredentialsOutbox(ctx.dataSource).unenqueuedCount() },
};
