import type { AppContext } from "../../app/app-context";
import type { AppConfig } from "../../config";
import { enqueueBackfill, scanBackfill } from "../../producers/organization-backfill.producer";
import { JobName } from "../../queues/registry";
import type { JobDefinition } from "../job-handler";
import type { ScheduleDefinition } from "../schedule-definition";

/**
 * The scheduled backfill (ORGANIZATIONS_BACKFILL_CRON): `backfill-organizations --apply` without a library-keys
 * file, as a fan-out of chunk jobs. Its backfill id comes from the scheduled job's id, so a re-delivery of the same
 * tick enqueues the same chunk ids (nothing twice).
 */
export function backfillOrganizationsJob(ctx: AppContext): JobDefinition<JobName.BackfillOrganizations> {
  return {
    async handle(job) {
      const o = ctx.config.organizations;
      const backfillId = `scheduled-${String(job.id).replace(/[^A-Za-z0-9_-]/g, "-")}`.slice(0, 100);
      const scan = await scanBackfill(ctx.dataSource, { backfillId, chunkSize: o.backfillChunkSize, libraryKeys: [], activate: job.data.activate !== false });
      await enqueueBackfill(ctx, scan);
      if (scan.malformed.length > 0) ctx.logger.warn("organizations backfill: malformed course keys will be skipped", { jobId: job.id, courseKeys: scan.malformed });
      ctx.logger.info("organizations backfill enqueued", { jobId: job.id, backfillId, courseRuns: scan.courseRuns, chunks: scan.chunks.length });
      return { status: "done", backfillId, courseRuns: scan.courseRuns, chunks: scan.chunks.length, malformedCourseKeys: scan.malformed.length };
    },
  };
}

export const BACKFILL_ORGANIZATIONS_SCHEDULE: ScheduleDefinition<JobName.BackfillOrganizations> = {
  schedulerId: "backfill-organizations",
  jobName: JobName.BackfillOrganizations,
  pattern: (config: AppConfig) => config.organizations.backfillCron,
  data: (config: AppConfig) => ({ activate: !config.organizations.backfillScheduleInactive }),
};
