import type { Queue } from "bullmq";
import { JOB_STATES } from "../queues/registry";
import { withTimeout } from "../util/with-timeout";

export interface QueueState {
  name: string;
  counts: Record<(typeof JOB_STATES)[number], number>;
  paused: boolean;
  /** Workers connected to the queue (BullMQ names its connections; CLIENT LIST), or undefined when Redis refuses CLIENT LIST. */
  workers?: number;
}

/**
 * Every queue's job counts (the numbers of `queues --json` and /metrics), whether it is paused, and whether any
 * worker is connected, read within `timeoutMs` so a Redis that does not answer cannot hold the home page.
 */
export async function queueOverview(queues: Iterable<Queue>, timeoutMs: number): Promise<QueueState[]> {
  const read = async (queue: Queue): Promise<QueueState> => {
    const [counts, paused, workers] = await Promise.all([
      queue.getJobCounts(...JOB_STATES),
      queue.isPaused(),
      queue.getWorkersCount().catch(() => undefined),
    ]);
    return { name: queue.name, counts: counts as QueueState["counts"], paused, workers };
  };
  return withTimeout(Promise.all([...queues].map(read)), timeoutMs, "reading the queues");
}
