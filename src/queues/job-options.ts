import type { JobsOptions } from "bullmq";
import type { CoreConfig } from "../config";

/**
 * Retention keeps finished jobs long enough that a second enqueue of the same deterministic id is ignored, and
 * failed jobs long enough for ops to inspect them, while bounding Redis memory.
 */
export function defaultJobOptions(config: Pick<CoreConfig, "worker">): JobsOptions {
  return {
    attempts: config.worker.attempts,
    backoff: { type: "exponential", delay: config.worker.backoffMs },
    removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 100_000 },
  };
}
