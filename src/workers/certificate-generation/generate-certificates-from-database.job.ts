import type { AppContext } from "../../app/app-context";
import { InvalidArgumentsError } from "../../errors/invalid-arguments-error";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { ArgumentsDisabledError, RequestRefusedError } from "../../errors/request-refused-error";
import type { JobName } from "../../queues/registry";
import { generationBatchFromDatabase, runGenerationBatch, type GenerationBatch } from "../../producers/certificate-generation.producer";
import type { JobDefinition } from "../job-handler";
import { recordFinalFailure } from "./record-failure";

/**
 * The scheduled `cert_generation --args-from-database`: reads the newest
 * certificates_certificategenerationcommandconfiguration row and fans out its learners in generate-certificates chunks. A disabled row is
 * not a failure here (the schedule simply has nothing to do); stored arguments that are wrong are permanent.
 */
export function generateCertificatesFromDatabaseJob(ctx: AppContext): JobDefinition<JobName.GenerateCertificatesFromDatabase> {
  return {
    async handle(job) {
      let batch: GenerationBatch;
      try {
        batch = await generationBatchFromDatabase(ctx.dataSource);
      } catch (err) {
        if (err instanceof ArgumentsDisabledError) {
          ctx.logger.warn("scheduled certificate generation skipped: the stored arguments are disabled", { jobId: job.id });
          return { status: "skipped", reason: "disabled" };
        }
        if (err instanceof RequestRefusedError || err instanceof InvalidArgumentsError) throw new PermanentJobError(`stored cert_generation arguments: ${err.message}`);
        throw err;
      }
      const summary = await runGenerationBatch(ctx, batch, {
        warn: (line) => ctx.logger.warn(line, { jobId: job.id }),
        out: (line) => ctx.logger.info(line, { jobId: job.id }),
      });
      return { status: "done", courseKey: summary.courseKey, learners: summary.learners, unknownUsers: summary.unknown.length, jobs: summary.jobs, enqueued: summary.enqueued, alreadyPending: summary.alreadyPending, dryRun: batch.dryRun };
    },
    onFinalFailure: recordFinalFailure(ctx),
  };
}
