import type { AppContext } from "../app/app-context";
import { ServiceUnavailableError } from "../errors/service-unavailable-error";
import { UndrainedWorkError } from "../errors/undrained-work-error";
import { databaseFailureDetail } from "../services/health/failure-detail";
import type { QueueSet } from "../queues/queue-set";
import { JOB_QUEUE, type QueueName } from "../queues/registry";
import { scheduleIsOn, type ScheduleDefinition } from "./schedule-definition";
import { SCHEDULES } from "./schedules";

const BUSY_STATES = ["wait", "active", "delayed", "prioritized", "waiting-children"] as const;

/**
 * Whether the queues have nothing waiting, delayed or active. The delayed job a job scheduler always keeps for
 * its next run does not count: otherwise a queue with a schedule would never be idle.
 */
async function queuesAreIdle(queues: QueueSet, names: QueueName[]): Promise<boolean> {
  for (const name of names) {
    const queue = queues.queue(name);
    const counts = await queue.getJobCounts(...BUSY_STATES);
    const { delayed = 0, ...rest } = counts;
    if (Object.values(rest).some((n) => n > 0)) return false;
    if (delayed > 0) {
      const jobs = await queue.getDelayed(0, delayed);
      if (jobs.some((j) => j && !j.repeatJobKey)) return false;
    }
  }
  return true;
}

type DrainingSchedule = ScheduleDefinition & Required<Pick<ScheduleDefinition, "drains">>;

/** The schedules of these queues that are on and drain stored work (the certificate event outbox). */
export function drainingSchedules(names: QueueName[], ctx: Pick<AppContext, "config">, schedules = SCHEDULES): DrainingSchedule[] {
  return schedules.filter((s): s is DrainingSchedule => !!s.drains && names.includes(JOB_QUEUE[s.jobName]) && scheduleIsOn(s, ctx.config));
}

/**
 * Resolves once the queues are idle (seen twice in a row, polling every `intervalMs`) and so is the work their
 * schedules drain: while a draining schedule's store is not empty, its job is added at once (not at its next run) and
 * the wait goes on. Rejects with UndrainedWorkError when such a job failed for good and its store is still not empty.
 */
export async function waitUntilIdle(ctx: AppContext, names: QueueName[], opts: { intervalMs?: number; signal?: AbortSignal; schedules?: ScheduleDefinition[] } = {}): Promise<void> {
  const interval = opts.intervalMs ?? 250;
  const draining = drainingSchedules(names, ctx, opts.schedules);
  /** The drain job last added per schedule, to tell a drain that failed for good from one still to come. */
  const lastDrain = new Map<string, string>();
  let idleSeen = 0;
  while (!opts.signal?.aborted) {
    idleSeen = (await queuesAreIdle(ctx.queues, names)) ? idleSeen + 1 : 0;
    if (idleSeen >= 2) {
      let added = false;
      for (const schedule of draining) {
        const pending = await schedule.drains.pending(ctx).catch((err: unknown) => {
          throw new ServiceUnavailableError("database", `${databaseFailureDetail(ctx.config.databaseUrl, err)} while counting ${schedule.drains.what}`);
        });
        if (pending === 0) continue;
        const queue = ctx.queues.queue(JOB_QUEUE[schedule.jobName]);
        const previousId = lastDrain.get(schedule.schedulerId);
        const previous = previousId === undefined ? undefined : await queue.getJob(previousId);
        if (previous && (await previous.isFailed())) throw new UndrainedWorkError(schedule.drains.what, pending, previous.failedReason || "no reason recorded");
        const job = await queue.add(schedule.jobName, schedule.data(ctx.config), schedule.jobOptions);
        lastDrain.set(schedule.schedulerId, job.id!);
        ctx.logger.info("queues idle but work left to drain; draining it now", { queue: queue.name, store: schedule.drains.what, pending });
        added = true;
      }
      if (!added) return;
      idleSeen = 0;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
