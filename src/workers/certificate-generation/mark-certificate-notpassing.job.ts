import type { AppContext } from "../../app/app-context";
import type { JobName } from "../../queues/registry";
import { CertificateGenerator } from "../../services/certificate-generation/certificate-generator";
import type { JobDefinition } from "../job-handler";

/** upstream's failing-grade signal handler for one (learner, course run): a passing certificate becomes notpassing. */
export function markCertificateNotPassingJob(ctx: AppContext): JobDefinition<JobName.MarkCertificateNotPassing> {
  const generator = new CertificateGenerator(ctx.dataSource, ctx.config.generation, ctx.logger, ctx.certificateSignals);
  return {
    async handle(job) {
      const { userId, courseKey } = job.data;
      const { decision: d, certificateId } = await generator.markNotPassing(userId, courseKey, { jobId: job.id });
      if (d.kind === "revoke") return { status: "done", userId, courseKey, certificateId, certificateStatus: d.status };
      return { status: "skipped", userId, courseKey, reason: "no passing certificate, on the allowlist, or passing again" };
    },
  };
}
