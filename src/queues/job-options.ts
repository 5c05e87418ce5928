import type { BackoffStrategy, JobsOptions } from "bullmq";
import type { CoreConfig } from "../config";

/** Our backoff: doubling from JOB_BACKOFF_MS, capped at JOB_BACKOFF_MAX_MS (applied by every worker). */
const CAPPED_EXPONENTIAL = "capped-exponential";

/**
 * Retention keeps finished jobs long enough that a second enqueue of the same deterministic id is ignored, and
 * failed jobs long enough for ops to inspect them, while bounding Redis memory.
 */
export function defaultJobOptions(config: Pick<CoreConfig, "worker">): JobsOptions {
  return {
    attempts: config.worker.attempts,
    backoff: { type: CAPPED_EXPONENTIAL, delay: config.worker.backoffMs },
    removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 100_000 },
  };
}

/** The delay before the next attempt after `attemptsMade` failures: first × 2^(n−1), capped. */
function cappedExponentialDelay(firstMs: number, capMs: number, attemptsMade: number): number {
  return Math.min(capMs, Math.round(firstMs * 2 ** Math.max(0, Math.min(attemptsMade - 1, 40))));
}

export function backoffStrategy(capMs: number): BackoffStrategy {
  return (attemptsMade, type, _err, job) => {
    const delay = (job?.opts.backoff as { delay?: number } | undefined)?.delay ?? 1000;
    if (type !== CAPPED_EXPONENTIAL) throw new Error(`unknown backoff strategy ${String(type)}`);
    return cappedExponentialDelay(delay, capMs, attemptsMade);
  };
}

/** Whether a job has no attempt left once `attemptsDone` attempts have failed (BullMQ counts a failure after the processor returns). */
export function attemptsExhausted(job: { opts: { attempts?: number } }, attemptsDone: number): boolean {
  return attemptsDone >= (job.opts.attempts ?? 1);
}
