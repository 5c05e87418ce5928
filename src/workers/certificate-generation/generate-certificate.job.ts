import type { AppContext } from "../../app/app-context";
import type { JobName } from "../../queues/registry";
import { CertificateGenerator } from "../../services/certificate-generation/certificate-generator";
import type { JobDefinition } from "../job-handler";
import { GenerationBatcher } from "./generation-batcher";
import { recordFinalFailure } from "./record-failure";

/** Learners written together at most; the worker's concurrency bounds it in practice. */
const MAX_BATCH = 100;
/** How long a learner's job waits for neighbours to share its batch: well under a job's own time. */
const BATCH_WINDOW_MS = 5;

/**
 * The generate_certificate task: the rules for one (learner, course run), then the upsert. The jobs this process
 * runs at the same moment for the same course run are decided and written together (GenerationBatcher); each job
 * keeps its own outcome.
 */
export function generateCertificateJob(ctx: AppContext): JobDefinition<JobName.GenerateCertificate> {
  const generator = new CertificateGenerator(ctx.dataSource, ctx.config.generation, ctx.logger, ctx.certificateEvents);
  const batcher = new GenerationBatcher(generator, { maxBatch: MAX_BATCH, windowMs: BATCH_WINDOW_MS });
  return {
    async handle(job) {
      const { userId, courseKey } = job.data;
      const { decision: d, certificateId, created } = await batcher.generate(userId, courseKey, job.id ?? "");
      if (d.kind === "generate" || d.kind === "revoke") return { status: "done", userId, courseKey, certificateId, created, certificateStatus: d.status, path: d.path };
      return { status: "skipped", userId, courseKey, reason: d.reason, certificateStatus: d.kind === "unchanged" ? d.status : undefined, path: d.path };
    },
    onFinalFailure: recordFinalFailure(ctx),
  };
}
