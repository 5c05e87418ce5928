import type { JobsOptions } from "bullmq";
import type { AppContext } from "../app/app-context";
import type { AppConfig } from "../config";
import type { JobName, JobPayloads } from "../queues/registry";

/**
 * A recurring job: BullMQ job scheduler upserted by every worker of its queue (upsert is idempotent by id). Its own
 * file, below both the list of schedules (schedules.ts) and the job files that declare them, so neither imports the
 * other's importer.
 */
export interface ScheduleDefinition<J extends JobName = JobName> {
  schedulerId: string;
  jobName: J;
  /** The cron pattern from config; empty or undefined means the schedule is off (and is removed). */
  pattern(config: AppConfig): string | undefined;
  /** Or a fixed interval in ms (for runs more often than a cron pattern reads well); undefined = off. */
  every?(config: AppConfig): number | undefined;
  data(config: AppConfig): JobPayloads[J];
  /** Options of each job the schedule makes (e.g. a shorter retention for frequent runs). */
  jobOptions?: Pick<JobsOptions, "removeOnComplete" | "removeOnFail">;
  /**
   * For a schedule whose runs drain stored work (the certificate event outbox): where that work waits and how much
   * is left. `worker --until-idle` is not idle while any is left, and runs the schedule's job at once rather than
   * waiting for its next run. Schedules that select work on a calendar (retire-learners, the sweepers) have none.
   */
  drains?: { what: string; pending(ctx: AppContext): Promise<number> };
}

/** Whether the schedule runs under this configuration (a pattern or an interval). */
export function scheduleIsOn(schedule: ScheduleDefinition, config: AppConfig): boolean {
  return !!schedule.pattern(config) || !!schedule.every?.(config);
}
