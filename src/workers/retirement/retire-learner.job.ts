import type { AppContext } from "../../app/app-context";
import type { JobName } from "../../queues/registry";
import { RetirementEngine } from "../../services/retirement/retirement-engine";
import type { JobDefinition } from "../job-handler";

const engines = new WeakMap<AppContext, RetirementEngine>();

/**
 * One engine per worker process: single-learner and chunk jobs then share its batches (a learner of a chunk and
 * a learner of its own job at the same step run in one transaction).
 */
export function retirementEngineOf(ctx: AppContext): RetirementEngine {
  let engine = engines.get(ctx);
  if (!engine) {
    engine = new RetirementEngine(ctx);
    engines.set(ctx, engine);
  }
  return engine;
}

export function retireLearnerJob(ctx: AppContext): JobDefinition<JobName.RetireLearner> {
  const engine = retirementEngineOf(ctx);
  return {
    handle: (job) => engine.retire(job.data.userId, job.id ?? "", job.data.retry),
    async onFinalFailure(job, error) {
      try {
        const errored = await engine.markErrored(job.data.userId, error);
        if (errored) ctx.logger.error("learner moved to ERRORED", { userId: job.data.userId, jobId: job.id, error });
      } catch (err) {
        // The job still fails with its own error; the learner stays in its working state for an operator.
        ctx.logger.error("could not move learner to ERRORED", { userId: job.data.userId, jobId: job.id, error: err });
      }
    },
  };
}
