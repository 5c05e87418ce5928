import type { AppContext } from "../../app/app-context";
import type { AppConfig } from "../../config";
import { ConfigError } from "../../errors/config-error";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { TransientJobError } from "../../errors/transient-job-error";
import { JobName } from "../../queues/registry";
import { PartnerReportRunner } from "../../services/retirement/partner-report-runner";
import type { JobDefinition } from "../job-handler";
import type { ScheduleDefinition } from "../schedule-definition";

/**
 * The scheduled partner report, with the configured output directory, upload and comments. A configuration problem
 * (an org without partner, a missing setting or key file) needs an operator: it fails at once. A failed listing or
 * delivery is retried; the failed partners' learners are back in the queue meanwhile.
 */
export function partnerReportJob(ctx: AppContext): JobDefinition<JobName.PartnerReport> {
  return {
    async handle(job) {
      const c = ctx.config.partnerReport;
      if (!c.schedule.outputDir) throw new PermanentJobError("RETIREMENT_PARTNER_REPORT_OUTPUT_DIR is not set: the scheduled partner report has nowhere to write");
      let outcome;
      try {
        outcome = await new PartnerReportRunner(ctx.dataSource, c, ctx.logger).run({ outputDir: c.schedule.outputDir, upload: c.schedule.upload, comments: c.schedule.comments, dryRun: false });
      } catch (err) {
        if (err instanceof ConfigError) throw new PermanentJobError(err.problems.join("; "));
        throw err;
      }
      const failed = outcome.partners.filter((p) => p.status === "failed").map((p) => p.partner);
      ctx.logger.info("partner-report run", { jobId: job.id, learners: outcome.learners, partners: outcome.partners.length, deleted: outcome.deleted, failed });
      if (failed.length > 0) throw new TransientJobError(`partner report delivery failed for ${failed.join(", ")}; their learners stay queued`);
      return { status: "done", learners: outcome.learners, partners: outcome.partners.length, deleted: outcome.deleted };
    },
  };
}

export const PARTNER_REPORT_SCHEDULE: ScheduleDefinition<JobName.PartnerReport> = {
  schedulerId: "partner-report",
  jobName: JobName.PartnerReport,
  pattern: (config: AppConfig) => config.partnerReport.schedule.cron,
  data: () => ({}),
};
