import type { QueueSet } from "../queues/queue-set";
import type { QueueName } from "../queues/registry";

const BUSY_STATES = ["wait", "active", "delayed", "prioritized", "waiting-children"] as const;

/**
 * Whether the queues have nothing waiting, delayed or active. The delayed job a job scheduler always keeps for
 * its next run does not count: otherwise a queue with a schedule would never be idle.
 */
async function queuesAreIdle(queues: QueueSet, names: QueueName[]): Promise<boolean> {
  for (const name of names) {
    const queue = queues.queue(name);
    const counts = await queue.getJobCounts(...BUSY_STATES);
    const { delayed = 0, ...rest } = counts;
    if (Object.values(rest).some((n) => n > 0)) return false;
    if (delayed > 0) {
      const jobs = await queue.getDelayed(0, delayed);
      if (jobs.some((j) => j && !j.repeatJobKey)) return false;
    }
  }
  return true;
}

/** Resolves once the queues are seen idle twice in a row, polling every `intervalMs`. */
export async function waitUntilIdle(queues: QueueSet, names: QueueName[], opts: { intervalMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const interval = opts.intervalMs ?? 250;
  let idleSeen = 0;
  while (!opts.signal?.aborted) {
    idleSeen = (await queuesAreIdle(queues, names)) ? idleSeen + 1 : 0;
    if (idleSeen >= 2) return;
    await new Promise((r) => setTimeout(r, interval));
  }
}
