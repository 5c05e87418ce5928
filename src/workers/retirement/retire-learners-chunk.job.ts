import type { AppContext } from "../../app/app-context";
import { RetryLaterError } from "../../errors/retry-later-error";
import { JobName, jobIds, type JobPayloads } from "../../queues/registry";
import type { JobDefinition } from "../job-handler";
import { retirementEngineOf } from "./retire-learner.job";

/**
 * Several learners through the pipeline at once: each learner's walk is the same as in its own retire-learner job,
 * and they all run together, so every step's database work is one batch for the chunk (RetirementBatches) however
 * few jobs the worker runs. A learner that does not finish here continues in its own retire-learner job, which has
 * the retries, the HTTP retry delays and the ERRORED outcome: one waiting on a service (RetryLaterError) with its
 * retry bookkeeping after the delay it asked for; one that failed after the worker's backoff. The chunk itself
 * succeeds once every learner is done or handed on, so a re-delivery re-runs only what is unfinished (learners
 * already COMPLETE are skipped by the engine).
 */
export function retireLearnersChunkJob(ctx: AppContext): JobDefinition<JobName.RetireLearnersChunk> {
  const engine = retirementEngineOf(ctx);
  return {
    async handle(job) {
      const { userIds } = job.data;
      const jobId = job.id ?? "";
      const outcomes = await Promise.allSettled(userIds.map((userId) => engine.retire(userId, jobId)));
      const handOff = outcomes.flatMap((o, k) => {
        if (o.status === "fulfilled") return [];
        const userId = userIds[k];
        const later = o.reason instanceof RetryLaterError ? o.reason : undefined;
        const retry = later?.data.retry as JobPayloads[JobName.RetireLearner]["retry"];
        ctx.logger.warn("learner continues in its own retirement job", { userId, jobId, error: later ? undefined : o.reason });
        return [{
          name: JobName.RetireLearner,
          data: retry ? { userId, retry } : { userId },
          jobId: jobIds.retireLearner(userId),
          opts: { delay: later ? later.delayMs : ctx.config.worker.backoffMs },
        }];
      });
      if (handOff.length > 0) await ctx.queues.addMany(handOff, { rerunFinished: true });
      const done = outcomes.filter((o) => o.status === "fulfilled" && o.value.status === "done").length;
      return { status: "done", learners: userIds.length, retired: done, skipped: userIds.length - done - handOff.length, handedOn: handOff.map((h) => h.data.userId) };
    },
  };
}
