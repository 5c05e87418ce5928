import type { Job, Queue } from "bullmq";
import type { DataSource } from "typeorm";
import { loadConfig, type AppConfig } from "../../config";
import { openDataSource } from "../../db/data-source";
import { GENERATION_TASK_NAMES, failedTaskIdsOf } from "../../producers/certificate-generation-reapply.producer";
import { FailedTaskStore } from "../../services/certificate-generation/failed-task-store";
import { ServiceUnavailableError } from "../../errors/service-unavailable-error";
import { UsageError } from "../../errors/usage-error";
import { QueueSet } from "../../queues/queue-set";
import { connectionRefusal, redisSettings } from "../../queues/redis-connections";
import { ALL_QUEUES, QueueName, parseQueueNames } from "../../queues/registry";
import { databaseFailureDetail, redisFailureDetail } from "../../services/health/failure-detail";
import { HELP_OPTION, type CommandBody } from "../command";

/** Failed jobs read per page, and retried concurrently per batch. */
const PAGE = 1000;
const RETRY_BATCH = 100;

/**
 * Re-runs a snapshot of the queue's failed jobs with their attempts reset (so each gets its full retry window
 * again). Queue.retryJobs would keep attemptsMade, leaving a re-run job a single attempt. Working from a snapshot,
 * a job that fails again at once (a permanent failure) is not retried twice.
 */
async function retryFailedJobs(queue: Queue): Promise<Array<Pick<Job, "id" | "name" | "data">>> {
  const ids: string[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await queue.getFailed(start, start + PAGE - 1);
    ids.push(...page.filter((j) => j?.id).map((j) => j.id!));
    if (page.length < PAGE) break;
  }
  const retried: Array<Pick<Job, "id" | "name" | "data">> = [];
  for (let i = 0; i < ids.length; i += RETRY_BATCH) {
    const results = await Promise.allSettled(ids.slice(i, i + RETRY_BATCH).map(async (id) => {
      const job = await queue.getJob(id);
      await job?.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
      return job;
    }));
    // A job removed or re-run by someone else meanwhile is not an error: it is no longer failed.
    for (const r of results) if (r.status === "fulfilled" && r.value) retried.push(r.value);
  }
  return retried;
}

/**
 * The generation queue's failures are also kept as failed_task rows (upstream's FailedTask): re-running a job
 * resolves its row, as reapply-failed-generation does, so the row does not send it round again later.
 */
async function resolveFailedTasks(config: AppConfig, jobIds: string[]): Promise<number> {
  let ds: DataSource;
  try {
    ds = await openDataSource({ databaseUrl: config.databaseUrl, poolSize: 1, connectTimeoutMs: config.resilience.db.connectTimeoutMs });
  } catch (err) {
    throw new ServiceUnavailableError("database", `${databaseFailureDetail(config.databaseUrl, err)} (the jobs were re-enqueued; their failed_task rows are still unresolved)`);
  }
  try {
    const store = new FailedTaskStore(ds);
    const rows = await store.unresolved(GENERATION_TASK_NAMES, { taskIds: jobIds });
    return await store.resolve(rows.map((r) => r.id));
  } finally {
    await ds.destroy();
  }
}

export const retryFailedCommand: CommandBody = {
  usage: "openedx-workers retry-failed [--queues a,b] [--dry-run]",
  details: `Moves every failed job of the queues back to waiting, with its attempts reset, under the same job id.
Safe because every job's effect is idempotent: a certificate already purged or a retirement step already done is
not done twice. Jobs that fail permanently (a malformed payload, a refused link) simply fail again at once.
For the generation queue, the failed_task rows of the jobs it re-runs are marked resolved (as
reapply-failed-generation, which works from that table like upstream, does), so this needs the database too.`,
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
      let generation: string[] = [];
      for (const name of names) {
        const queue = queues.queue(name);
        const retried = options["dry-run"] ? undefined : await retryFailedJobs(queue);
        const failed = retried ? retried.length : await queue.getFailedCount();
        // A chunk's failed learners each have their own row (see failedTaskIdsOf).
        if (name === QueueName.CertificateGeneration && retried) generation = retried.flatMap(failedTaskIdsOf);
        total += failed;
        io.out(`${name}: ${failed} failed job(s)${options["dry-run"] ? "" : " re-enqueued"}`);
      }
      if (generation.length > 0) io.out(`${QueueName.CertificateGeneration}: ${await resolveFailedTasks(config, generation)} failed_task row(s) resolved`);
      io.out(options["dry-run"] ? `${total} failed job(s); nothing changed (dry run).` : `Re-enqueued ${total} failed job(s).`);
      return 0;
    } catch (err) {
      if (err instanceof UsageError || err instanceof ServiceUnavailableError) throw err;
      throw new ServiceUnavailableError("Redis", redisFailureDetail(redisSettings(config), err, connectionRefusal(queues.connection)));
    } finally {
      await queues.close().catch(() => queues.connection.disconnect());
    }
  },
};
