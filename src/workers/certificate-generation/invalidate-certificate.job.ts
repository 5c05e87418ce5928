import type { AppContext } from "../../app/app-context";
import type { JobName } from "../../queues/registry";
import { CertificateGenerator } from "../../services/certificate-generation/certificate-generator";
import type { JobDefinition } from "../job-handler";

/**
 * upstream's EXAM_ATTEMPT_REJECTED handler for one (learner, course run): unless the learner is on the allowlist,
 * their certificate is invalidated (status unavailable), with the events, Credentials update and history of any
 * revocation.
 */
export function invalidateCertificateJob(ctx: AppContext): JobDefinition<JobName.InvalidateCertificate> {
  const generator = new CertificateGenerator(ctx.dataSource, ctx.config.generation, ctx.logger, ctx.certificateSignals);
  return {
    async handle(job) {
      const { userId, courseKey } = job.data;
      const { decision: d, certificateId } = await generator.invalidateForRejectedExam(userId, courseKey, { jobId: job.id });
      if (d.kind === "revoke") return { status: "done", userId, courseKey, certificateId, certificateStatus: d.status };
      if (d.kind === "unchanged") return { status: "skipped", userId, courseKey, certificateId, reason: "already unavailable" };
      return { status: "skipped", userId, courseKey, reason: d.path === "allowlist" ? "on the allowlist" : "no certificate" };
    },
  };
}
