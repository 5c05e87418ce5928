import type { AppContext } from "../../app/app-context";
import type { AppConfig } from "../../config";
import { RequestRefusedError } from "../../errors/request-refused-error";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { retireLearners } from "../../producers/retirement-queue.producer";
import { JobName } from "../../queues/registry";
import type { JobDefinition } from "../job-handler";
import type { ScheduleDefinition } from "../schedule-definition";

/** The scheduled retire-learners run, with the configured cool-off, batch limit and abort threshold. */
export function retireLearnersJob(ctx: AppContext): JobDefinition<JobName.RetireLearners> {
  return {
    async handle(job) {
      const r = ctx.config.retirement;
      try {
        const outcome = await retireLearners(ctx, { coolOffDays: r.coolOffDays, limit: r.batchLimit, abortAbove: r.abortAbove, dryRun: false, chunkSize: r.chunkSize });
        ctx.logger.info("retire-learners run", { jobId: job.id, eligible: outcome.eligible, batch: outcome.batch.length, enqueued: outcome.enqueued });
        return { status: "done", eligible: outcome.eligible, enqueued: outcome.enqueued };
      } catch (err) {
        // Refusals (too many learners, states not populated) need an operator, not retries.
        if (err instanceof RequestRefusedError) throw new PermanentJobError(err.message);
        throw err;
      }
    },
  };
}

export const RETIRE_LEARNERS_SCHEDULE: ScheduleDefinition<JobName.RetireLearners> = {
  schedulerId: "retire-learners",
  jobName: JobName.RetireLearners,
  pattern: (config: AppConfig) => config.retirement.scheduleCron,
  data: () => ({}),
};
