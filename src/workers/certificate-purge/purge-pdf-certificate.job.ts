import type { AppContext } from "../../app/app-context";
import type { JobName } from "../../queues/registry";
import { PdfCertificatePurger } from "../../services/pdf-certificate-purger";
import type { JobDefinition } from "../job-handler";

export function purgePdfCertificateJob(ctx: AppContext): JobDefinition<JobName.PurgePdfCertificate> {
  const purger = new PdfCertificatePurger(ctx.dataSource, ctx.s3, ctx.config.certificates, ctx.logger, ctx.certificateEvents);
  return {
    async handle(job) {
      const outcome = await purger.purge(job.data.certificateId, { jobId: job.id ?? "" });
      return outcome.status === "purged"
        ? { status: "done", certificateId: outcome.certificateId, deletedKeys: outcome.keys.length }
        : { status: "skipped", certificateId: outcome.certificateId, reason: outcome.status };
    },
  };
}
