import type { Job } from "bullmq";
import type { AppContext } from "../../app/app-context";
import type { JobName } from "../../queues/registry";
import { batchFailure, PdfCertificatePurger } from "../../services/pdf-certificate-purger";
import type { JobDefinition, JobResult } from "../job-handler";

/**
 * Both purge job names run the same batch purge: a batch of up to 250 certificates, or the single certificate of
 * `purge-pdf-certificate` (kept so jobs enqueued before batching still run). The job succeeds when every
 * certificate is purged or already was; otherwise it fails naming each one that was not, after its neighbours
 * were purged (see batchFailure).
 */
function purgeJob(ctx: AppContext, idsOf: (job: Job) => number[]) {
  const purger = new PdfCertificatePurger(ctx.dataSource, ctx.s3, ctx.config.certificates, ctx.logger, ctx.certificateEvents);
  return async (job: Job): Promise<JobResult> => {
    const ids = idsOf(job);
    const outcomes = await purger.purgeBatch(ids, { jobId: job.id ?? "" });
    const failure = batchFailure(outcomes);
    if (failure) throw failure;
    const purged = outcomes.filter((o) => o.status === "purged");
    const deletedKeys = purged.reduce((n, o) => n + (o.status === "purged" ? o.keys.length : 0), 0);
    if (ids.length === 1) {
      return purged.length === 1 ? { status: "done", certificateId: ids[0], deletedKeys } : { status: "skipped", certificateId: ids[0], reason: "already-purged" };
    }
    return { status: purged.length > 0 ? "done" : "skipped", certificates: ids.length, purged: purged.length, alreadyPurged: ids.length - purged.length, deletedKeys };
  };
}

export function purgePdfCertificateJob(ctx: AppContext): JobDefinition<JobName.PurgePdfCertificate> {
  return { handle: purgeJob(ctx, (job) => [job.data.certificateId]) };
}

export function purgePdfCertificatesJob(ctx: AppContext): JobDefinition<JobName.PurgePdfCertificates> {
  return { handle: purgeJob(ctx, (job) => job.data.certificateIds) };
}
