import type { QueueSet } from "../queues/queue-set";
import type { QueueName } from "../queues/registry";
import type { Logger } from "../logging/logger";

interface ProgressSource {
  progress(): { lastTakenAt: number; active: number };
}

/**
 * BullMQ workers are known to sit idle after a Redis restart or Sentinel failover while their connections look
 * alive (bullmq #2964, #3088, #4378). This watches for progress rather than liveness: when the host has taken no
 * job for `stallMs`, runs none, and jobs are waiting in its queues, it calls `onStuck` (the worker then logs it and
 * exits 1 so its supervisor restarts it). Redis being down is not "stuck": the check is skipped until it answers.
 */
export function watchProgress(opts: {
  host: ProgressSource;
  queues: QueueSet;
  names: QueueName[];
  stallMs: number;
  logger: Logger;
  onStuck: (detail: { idleMs: number; waiting: number }) => void;
}): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const every = Math.max(50, Math.min(30_000, Math.floor(opts.stallMs / 4)));
  const tick = async () => {
    try {
      const { lastTakenAt, active } = opts.host.progress();
      const idleMs = Date.now() - lastTakenAt;
      if (active === 0 && idleMs >= opts.stallMs) {
        let waiting = 0;
        for (const name of opts.names) {
          const queue = opts.queues.queue(name);
          if (await queue.isPaused()) continue; // an operator paused it: waiting is expected
          const counts = await queue.getJobCounts("wait", "prioritized");
          waiting += (counts.wait ?? 0) + (counts.prioritized ?? 0);
        }
        if (waiting > 0 && !stopped) {
          stopped = true;
          opts.onStuck({ idleMs, waiting });
          return;
        }
      }
    } catch {
      // Redis unavailable: not evidence of a stuck worker; check again later.
    }
    if (!stopped) timer = setTimeout(() => void tick(), every);
  };
  timer = setTimeout(() => void tick(), every);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
