import type { AppContext } from "../../app/app-context";
import type { JobName } from "../../queues/registry";
import { applyBackfillChunk } from "../../services/organizations/organization-backfill-store";
import type { JobDefinition } from "../job-handler";

/** One chunk of an organizations backfill: upserts its organizations and linkages (see applyBackfillChunk). */
export function backfillOrganizationsChunkJob(ctx: AppContext): JobDefinition<JobName.BackfillOrganizationsChunk> {
  return {
    async handle(job) {
      const r = await applyBackfillChunk(ctx.dataSource, job.data);
      const counts = {
        backfillId: job.data.backfillId,
        chunk: job.data.chunk,
        organizationsCreated: r.organizationsCreated.length,
        organizationsReactivated: r.organizationsReactivated.length,
        linkagesCreated: r.linkagesCreated.length,
        linkagesReactivated: r.linkagesReactivated.length,
        malformedCourseKeys: r.malformed.length,
      };
      // Course keys are public identifiers, not PII: name the skipped ones so an operator can fix them.
      if (r.malformed.length > 0 && !r.replayed) ctx.logger.warn("organizations backfill skipped malformed course keys", { jobId: job.id, courseKeys: r.malformed });
      if (r.replayed) return { status: "skipped", reason: "chunk already applied by an earlier delivery", ...counts };
      return { status: "done", ...counts };
    },
  };
}
