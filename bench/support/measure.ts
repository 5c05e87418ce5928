import type { Job, Queue } from "bullmq";

/** Milliseconds since `start` (a performance.now() reading). */
export function since(start: number): number {
  return performance.now() - start;
}

export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface QueueTimings {
  jobs: number;
  /** Epoch ms of the last job to finish. */
  lastFinishedOn: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
}

/**
 * Enqueue-to-completion times of every finished job of a queue (job.timestamp is set by the producer when it adds
 * the job, finishedOn by the worker when it completes it: the same clock on one machine).
 */
export async function queueTimings(queue: Queue): Promise<QueueTimings> {
  const latencies: number[] = [];
  let lastFinishedOn = 0;
  let failed = 0;
  for (const state of ["completed", "failed"] as const) {
    for (let start = 0; ; start += 1000) {
      const jobs: Job[] = await queue.getJobs([state], start, start + 999, true);
      for (const job of jobs) {
        if (!job?.finishedOn) continue;
        latencies.push(job.finishedOn - job.timestamp);
        lastFinishedOn = Math.max(lastFinishedOn, job.finishedOn);
        if (state === "failed") failed++;
      }
      if (jobs.length < 1000) break;
    }
  }
  latencies.sort((a, b) => a - b);
  return { jobs: latencies.length, lastFinishedOn, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), failed };
}

/** Waits until the queue has nothing waiting, delayed, prioritized or active; polls every 20 ms. */
export async function waitUntilDrained(queue: Queue, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
    if (Object.values(c).every((n) => n === 0)) return;
    if (Date.now() > deadline) throw new Error(`queue ${queue.name} not drained after ${timeoutMs} ms: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(lanes);
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
