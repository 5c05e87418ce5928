import type { AppContext } from "../../app/app-context";
import type { JobName } from "../../queues/registry";
import { CertificateGenerator } from "../../services/certificate-generation/certificate-generator";
import type { JobDefinition } from "../job-handler";
import { recordFinalFailure } from "./record-failure";

/** The generate_certificate task: the rules for one (learner, course run), then the upsert. */
export function generateCertificateJob(ctx: AppContext): JobDefinition<JobName.GenerateCertificate> {
  const generator = new CertificateGenerator(ctx.dataSource, ctx.config.generation, ctx.logger, ctx.certificateEvents);
  return {
    async handle(job) {
      const { userId, courseKey } = job.data;
      const { decision: d, certificateId, created } = await generator.generate(userId, courseKey, { jobId: job.id });
      if (d.kind === "generate" || d.kind === "revoke") return { status: "done", userId, courseKey, certificateId, created, certificateStatus: d.status, path: d.path };
      return { status: "skipped", userId, courseKey, reason: d.reason, certificateStatus: d.kind === "unchanged" ? d.status : undefined, path: d.path };
    },
    onFinalFailure: recordFinalFailure(ctx),
  };
}
