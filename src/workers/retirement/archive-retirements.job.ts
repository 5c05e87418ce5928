import type { AppContext } from "../../app/app-context";
import type { AppConfig } from "../../config";
import { RequestRefusedError } from "../../errors/request-refused-error";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { JobName } from "../../queues/registry";
import { RetirementArchiver } from "../../services/retirement/retirement-archiver";
import type { JobDefinition } from "../job-handler";
import type { ScheduleDefinition } from "../schedule-definition";

/** The scheduled archive-retirements run, with the configured cool-off and batch size. */
export function archiveRetirementsJob(ctx: AppContext): JobDefinition<JobName.ArchiveRetirements> {
  return {
    async handle(job) {
      const a = ctx.config.erasure.archive;
      try {
        const outcome = await new RetirementArchiver(ctx.dataSource, ctx.s3, a.bucket, ctx.logger).run({ coolOffDays: a.coolOffDays, batchSize: a.batchSize, dryRun: false });
        const archived = outcome.batches.reduce((n, b) => n + b.deleted, 0);
        ctx.logger.info("archive-retirements run", { jobId: job.id, batches: outcome.batches.length, archived });
        return { status: "done", batches: outcome.batches.length, archived };
      } catch (err) {
        // A missing bucket or state table needs an operator, not retries; S3 failures retry (nothing was deleted).
        if (err instanceof RequestRefusedError) throw new PermanentJobError(err.message);
        throw err;
      }
    },
  };
}

export const ARCHIVE_RETIREMENTS_SCHEDULE: ScheduleDefinition<JobName.ArchiveRetirements> = {
  schedulerId: "archive-retirements",
  jobName: JobName.ArchiveRetirements,
  pattern: (config: AppConfig) => config.erasure.archive.scheduleCron,
  data: () => ({}),
};
