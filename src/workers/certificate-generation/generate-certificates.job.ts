import type { AppContext } from "../../app/app-context";
import { DomainRuleError } from "../../domain/domain-rule-error";
import { LearnersFailedError, LearnersRefusedError, learnerFailuresOf, type LearnerFailure } from "../../errors/learner-failures-error";
import { PermanentJobError } from "../../errors/permanent-job-error";
import type { JobName } from "../../queues/registry";
import { CertificateGenerator } from "../../services/certificate-generation/certificate-generator";
import { FailedTaskStore, learnerFailure } from "../../services/certificate-generation/failed-task-store";
import type { JobDefinition, JobResult } from "../job-handler";
import { recordLearnerFailures, writeFailureRows } from "./record-failure";

/** Fails the same way on every try: a retry would repeat it (as the worker host decides for single jobs). */
const isPermanent = (error: Error) => error instanceof PermanentJobError || error instanceof DomainRuleError;

/**
 * A chunk of learners of one course run (what generate-certificates enqueues): one set-based fact read and one write
 * transaction for the chunk (CertificateGenerator.generateMany), with no per-learner job around it. Each learner keeps
 * its own outcome: the job's return value lists them (ids and statuses); a learner that fails does not undo the
 * others. If some failed for a reason a retry can fix, the job's data is narrowed to those learners and the job
 * retries with the configured backoff; learners refused for good (e.g. not found) are recorded at once as failed
 * tasks and not retried. A final failure records one failed-task row per learner, as its single job would have.
 */
export function generateCertificatesJob(ctx: AppContext): JobDefinition<JobName.GenerateCertificates> {
  const generator = new CertificateGenerator(ctx.dataSource, ctx.config.generation, ctx.logger, ctx.certificateSignals);
  const store = new FailedTaskStore(ctx.dataSource);
  return {
    async handle(job) {
      const { courseKey, userIds } = job.data;
      const jobId = job.id ?? "";
      const results = await generator.generateMany(courseKey, userIds, { jobIds: new Map(userIds.map((u) => [u, jobId])) });
      const failed = results.filter((r): r is LearnerFailure => "error" in r);
      if (failed.length === 0) return summarize(courseKey, results);
      const retryable = failed.filter((f) => !isPermanent(f.error));
      const refused = failed.filter((f) => isPermanent(f.error));
      if (retryable.length === 0) {
        await job.updateData({ courseKey, userIds: refused.map((f) => f.userId) });
        throw new LearnersRefusedError(refused, userIds.length);
      }
      // Refused learners fail now, as their own jobs would; only the others ride the retry.
      await recordLearnerFailures(store, courseKey, refused, job.attemptsMade + 1);
      await job.updateData({ courseKey, userIds: retryable.map((f) => f.userId) });
      throw new LearnersFailedError(retryable, userIds.length);
    },
    async onFinalFailure(job, error) {
      // Not one of ours (the fact read failed, the job stalled out): every learner the job still held failed with it.
      const failures = learnerFailuresOf(error) ?? job.data.userIds.map((userId) => ({ userId, error }));
      const rows = failures.map(({ userId, error: e }) => learnerFailure(job.data.courseKey, userId, e, job.attemptsMade + 1));
      await writeFailureRows(store, rows, ctx.logger, job.id);
    },
  };
}

type Results = Awaited<ReturnType<CertificateGenerator["generateMany"]>>;

/** Counts by decision and, per learner, [user id, decision, certificate status or refusal reason]: ids and statuses only. */
function summarize(courseKey: string, results: Results): JobResult {
  const counts = { generate: 0, revoke: 0, unchanged: 0, refused: 0 };
  const learners: Array<[number, string, string]> = [];
  for (const r of results) {
    if (!("outcome" in r)) continue;
    const d = r.outcome.decision;
    counts[d.kind]++;
    learners.push([r.userId, d.kind, d.kind === "refused" ? d.reason : d.status]);
  }
  return { status: counts.generate + counts.revoke > 0 ? "done" : "skipped", courseKey, ...counts, learners };
}
