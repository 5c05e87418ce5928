import type { AppConfig } from "../config";
import type { QueueSet } from "../queues/queue-set";
import type { QueueName } from "../queues/registry";
import { JOB_QUEUE } from "../queues/registry";
import type { Logger } from "../logging/logger";
import { certificateGenerationSchedule } from "./certificate-generation/certificate-generation.schedule";
import { BACKFILL_ORGANIZATIONS_SCHEDULE } from "./organizations/backfill-organizations.job";
import { ARCHIVE_RETIREMENTS_SCHEDULE } from "./retirement/archive-retirements.job";
import { PARTNER_REPORT_SCHEDULE } from "./retirement/partner-report.job";
import { RETIRE_LEARNERS_SCHEDULE } from "./retirement/retire-learners.job";
import { SWEEP_SCHEDULES } from "./recovery/sweep-stuck-work.job";
import { PUBLISH_CERTIFICATE_EVENTS_SCHEDULE } from "./certificate-events/publish-certificate-events.job";
import { DRAIN_CREDENTIALS_OUTBOX_SCHEDULE } from "./credentials/drain-credentials-outbox.job";
import type { ScheduleDefinition } from "./schedule-definition";

/** Every recurring job. Later work appends its schedules here. */
export const SCHEDULES: ScheduleDefinition[] = [certificateGenerationSchedule as ScheduleDefinition, RETIRE_LEARNERS_SCHEDULE as ScheduleDefinition, BACKFILL_ORGANIZATIONS_SCHEDULE as ScheduleDefinition, ARCHIVE_RETIREMENTS_SCHEDULE as ScheduleDefinition, PARTNER_REPORT_SCHEDULE as ScheduleDefinition, ...SWEEP_SCHEDULES, PUBLISH_CERTIFICATE_EVENTS_SCHEDULE as ScheduleDefinition, DRAIN_CREDENTIALS_OUTBOX_SCHEDULE as ScheduleDefinition];

/** How a schedule repeats under this config: a cron pattern (UTC), a fixed interval, or undefined when it is off. */
function repeatOf(schedule: ScheduleDefinition, config: AppConfig): { pattern: string; tz: string } | { every: number } | undefined {
  const pattern = schedule.pattern(config);
  if (pattern) return { pattern, tz: "UTC" };
  const every = schedule.every?.(config);
  return every ? { every } : undefined;
}

/** The one way a schedule is written to Redis (at start and when the periodic check finds it gone). */
async function upsertSchedule(queues: QueueSet, schedule: ScheduleDefinition, config: AppConfig, repeat: NonNullable<ReturnType<typeof repeatOf>>): Promise<void> {
  await queues.queue(JOB_QUEUE[schedule.jobName]).upsertJobScheduler(schedule.schedulerId, repeat, { name: schedule.jobName, data: schedule.data(config), opts: schedule.jobOptions });
}

/** Upserts the schedules of these queues, or removes those whose pattern is off, so config is the source of truth. */
export async function syncSchedules(queues: QueueSet, names: QueueName[], config: AppConfig, logger: Logger, schedules = SCHEDULES): Promise<void> {
  for (const schedule of schedules) {
    const queueName = JOB_QUEUE[schedule.jobName];
    if (!names.includes(queueName)) continue;
    const repeat = repeatOf(schedule, config);
    if (repeat) {
      await upsertSchedule(queues, schedule, config, repeat);
      logger.info("job schedule active", { queue: queueName, schedulerId: schedule.schedulerId, ...repeat });
    } else if (await queues.queue(queueName).removeJobScheduler(schedule.schedulerId)) {
      logger.info("job schedule removed (no pattern configured)", { queue: queueName, schedulerId: schedule.schedulerId });
    }
  }
}

/**
 * Re-creates schedules that disappeared from Redis (a restart without persistence, a flush, a failover to a replica
 * that had not yet received them, or an admin's "remove" in the console's queue dashboard), cron and fixed-interval
 * alike, checking every `intervalMs`. A Redis that is down meanwhile is only logged: the next check after it is back
 * does the work. Returns a stop function.
 */
export function keepSchedules(queues: QueueSet, names: QueueName[], config: AppConfig, logger: Logger, intervalMs: number, schedules = SCHEDULES): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let warned = false;
  const tick = async () => {
    try {
      for (const schedule of schedules) {
        const queueName = JOB_QUEUE[schedule.jobName];
        const repeat = repeatOf(schedule, config);
        if (!names.includes(queueName) || !repeat || stopped) continue;
        if (await queues.queue(queueName).getJobScheduler(schedule.schedulerId)) continue;
        await upsertSchedule(queues, schedule, config, repeat);
        logger.warn("job schedule was missing from Redis; re-created", { queue: queueName, schedulerId: schedule.schedulerId, ...repeat });
      }
      warned = false;
    } catch (err) {
      if (!warned) logger.warn("could not check job schedules (Redis unavailable?); will retry", { error: err });
      warned = true;
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
  };
  timer = setTimeout(() => void tick(), intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
