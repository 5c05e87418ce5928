import type { Queue } from "bullmq";
import { loadConfig } from "../../config";
import { ServiceUnavailableError } from "../../errors/service-unavailable-error";
import { UsageError } from "../../errors/usage-error";
import { QueueSet } from "../../queues/queue-set";
import { connectionRefusal, redisSettings } from "../../queues/redis-connections";
import { ALL_QUEUES, parseQueueNames } from "../../queues/registry";
import { redisFailureDetail } from "../../services/health/failure-detail";
import { HELP_OPTION, type CommandBody } from "../command";

/** Failed jobs read per page, and retried concurrently per batch. */
const PAGE = 1000;
const RETRY_BATCH = 100;

/**
 * Re-runs a snapshot of the queue's failed jobs with their attempts reset (so each gets its full retry window
 * again). Queue.retryJobs would keep attemptsMade, leaving a re-run job a single attempt. Working from a snapshot,
 * a job that fails again at once (a permanent failure) is not retried twice.
 */
async function retryFailedJobs(queue: Queue): Promise<number> {
  const ids: string[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await queue.getFailed(start, start + PAGE - 1);
    ids.push(...page.filter((j) => j?.id).map((j) => j.id!));
    if (page.length < PAGE) break;
  }
  let retried = 0;
  for (let i = 0; i < ids.length; i += RETRY_BATCH) {
    const results = await Promise.allSettled(ids.slice(i, i + RETRY_BATCH).map(async (id) => {
      const job = await queue.getJob(id);
      await job?.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
      return job ? 1 : 0;
    }));
    // A job removed or re-run by someone else meanwhile is not an error: it is no longer failed.
    retried += results.reduce((n, r) => n + (r.status === "fulfilled" ? r.value : 0), 0);
  }
  return retried;
}

export const retryFailedCommand: CommandBody = {
  usage: "openedx-workers retry-failed [--queues a,b] [--dry-run]",
  details: `Moves every failed job of the queues back to waiting, with its attempts reset, under the same job id.
Safe because every job's effect is idempotent: a certificate already purged or a retirement step already done is
not done twice. Jobs that fail permanently (a malformed payload, a refused link) simply fail again at once.
For the generation queue, reapply-failed-generation does the same from the failed-task table, like upstream.`,
  options: {
    queues: { type: "string", valueName: "a,b", description: `Queues whose failed jobs to re-run (default all: ${ALL_QUEUES.join(", ")})` },
    "dry-run": { type: "boolean", description: "Only print how many failed jobs each queue has" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    if (options.queues !== undefined && String(options.queues).trim() === "") throw new UsageError("--queues names no queue");
    const names = options.queues ? parseQueueNames(String(options.queues)) : ALL_QUEUES;
    const config = loadConfig(io.env);
    const queues = new QueueSet(config);
    try {
      let total = 0;
      for (const name of names) {
        const queue = queues.queue(name);
        const failed = options["dry-run"] ? await queue.getFailedCount() : await retryFailedJobs(queue);
        total += failed;
        io.out(`${name}: ${failed} failed job(s)${options["dry-run"] ? "" : " re-enqueued"}`);
      }
      io.out(options["dry-run"] ? `${total} failed job(s); nothing changed (dry run).` : `Re-enqueued ${total} failed job(s).`);
      return 0;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new ServiceUnavailableError("Redis", redisFailureDetail(redisSettings(config), err, connectionRefusal(queues.connection)));
    } finally {
      await queues.close().catch(() => queues.connection.disconnect());
    }
  },
};
