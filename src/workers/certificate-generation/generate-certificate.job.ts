import type { AppContext } from "../../app/app-context";
import type { JobName } from "../../queues/registry";
import { CertificateGenerator, type GenerationOutcome } from "../../services/certificate-generation/certificate-generator";
import { Coalescer } from "../../util/coalescer";
import type { JobDefinition } from "../job-handler";
import { recordFinalFailure } from "./record-failure";

/**
 * The jobs of one course run written together: at most 100 learners, and two batches of a course run at once (the
 * same group commit as retirement's batches, see Coalescer); the worker's concurrency bounds it in practice.
 */
const BATCHING = { maxBatch: 100, maxInFlight: 2 };

/**
 * The generate_certificate task: the rules for one (learner, course run), then the upsert. The jobs this process
 * runs at the same moment for the same course run are decided and written together (one set-based fact read and
 * one write transaction, CertificateGenerator.generateMany); each job still completes or fails with its own
 * learner's result, so job ids, retries, failed-task rows and reapply work exactly as with one learner per job.
 */
export function generateCertificateJob(ctx: AppContext): JobDefinition<JobName.GenerateCertificate> {
  const generator = new CertificateGenerator(ctx.dataSource, ctx.config.generation, ctx.logger, ctx.certificateSignals);
  const batches = new Coalescer<string, { userId: number; jobId: string }, GenerationOutcome>(async (courseKey, items) => {
    const results = await generator.generateMany(courseKey, items.map((i) => i.userId), { jobIds: new Map(items.map((i) => [i.userId, i.jobId])) });
    return results.map((r) => ("outcome" in r ? r.outcome : r.error));
  }, BATCHING);
  return {
    async handle(job) {
      const { userId, courseKey } = job.data;
      const { decision: d, certificateId, created } = await batches.submit(courseKey, { userId, jobId: job.id ?? "" });
      if (d.kind === "generate" || d.kind === "revoke") return { status: "done", userId, courseKey, certificateId, created, certificateStatus: d.status, path: d.path };
      return { status: "skipped", userId, courseKey, reason: d.reason, certificateStatus: d.kind === "unchanged" ? d.status : undefined, path: d.path };
    },
    onFinalFailure: recordFinalFailure(ctx),
  };
}
