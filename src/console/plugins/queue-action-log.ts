import type { Logger } from "../../logging/logger";
import type { RedisClient } from "../../queues/redis-connections";

/** One action an admin took in the queue dashboard: who (staff user id), when, on which queue, what. Ids only. */
export interface QueueAction {
  id: string;
  at: Date;
  userId: number;
  queue: string;
  action: string;
  /** The job id, job state or scheduler id the action names, when it names one. */
  target?: string;
  /** It deletes jobs or a schedule (obliterate, empty, clean, remove). */
  destructive: boolean;
}

/** How many entries the stream keeps (XADD MAXLEN ~): years of hand-made actions, a bounded few MB of Redis. */
const MAX_ENTRIES = 10_000;

/**
 * The record of queue dashboard actions: a Redis stream under the console's prefix (`<QUEUE_PREFIX>:console:queue-actions`,
 * capped, newest read first) that the console's "Queue actions" page shows, and a log line per action. A stream,
 * not a table: the dashboard's actions are Redis operations on the same instance, and the LMS database is not the
 * place for an operations tool's own records. Entries hold staff user ids, queue names, job and scheduler ids:
 * no learner data (job ids are ids).
 */
export class QueueActionLog {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.key = `${prefix}:console:queue-actions`;
  }

  /** Written before the action runs: an action that cannot be recorded is not done (the caller refuses it). */
  async record(entry: Omit<QueueAction, "id" | "at">): Promise<string> {
    const fields = ["at", String(Date.now()), "userId", String(entry.userId), "queue", entry.queue, "action", entry.action, "destructive", entry.destructive ? "1" : "0"];
    if (entry.target !== undefined) fields.push("target", entry.target);
    const id = await this.redis.xadd(this.key, "MAXLEN", "~", String(MAX_ENTRIES), "*", ...fields);
    this.logger.info("console: queue action", { userId: entry.userId, queue: entry.queue, action: entry.action, target: entry.target, destructive: entry.destructive, auditId: id });
    return id!;
  }

  async recent(limit: number): Promise<QueueAction[]> {
    const entries = await this.redis.xrevrange(this.key, "+", "-", "COUNT", limit);
    return entries.map(([id, flat]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]] = flat[i + 1];
      return { id, at: new Date(Number(f.at)), userId: Number(f.userId), queue: f.queue, action: f.action, target: f.target, destructive: f.destructive === "1" };
    });
  }
}

type Target = "jobId" | "queueStatus" | "schedulerId";

/**
 * bull-board's changing API routes (its routes.js), each named for the record; `destructive` when it deletes jobs
 * or a schedule. A changing route a later bull-board adds is recorded under its route, as destructive.
 */
const BOARD_ACTIONS: Record<string, { action: string; destructive: boolean; target?: Target }> = {
  "/api/queues/pause": { action: "pause all queues", destructive: false },
  "/api/queues/resume": { action: "resume all queues", destructive: false },
  "/api/queues/:queueName/retry/:queueStatus": { action: "retry all", destructive: false, target: "queueStatus" },
  "/api/queues/:queueName/promote": { action: "promote all", destructive: false },
  "/api/queues/:queueName/clean/:queueStatus": { action: "clean (delete jobs)", destructive: true, target: "queueStatus" },
  "/api/queues/:queueName/pause": { action: "pause", destructive: false },
  "/api/queues/:queueName/resume": { action: "resume", destructive: false },
  "/api/queues/:queueName/concurrency": { action: "set global concurrency", destructive: false },
  "/api/queues/:queueName/rate-limit": { action: "set rate limit", destructive: false },
  "/api/queues/:queueName/rate-limit/release": { action: "release rate limit", destructive: false },
  "/api/queues/:queueName/empty": { action: "empty (delete waiting jobs)", destructive: true },
  "/api/queues/:queueName/obliterate": { action: "obliterate (delete the queue and all its jobs)", destructive: true },
  "/api/queues/:queueName/job-schedulers/:schedulerId/remove": { action: "remove scheduler", destructive: true, target: "schedulerId" },
  "/api/queues/:queueName/job-schedulers/:schedulerId/run": { action: "run scheduler now", destructive: false, target: "schedulerId" },
  "/api/queues/:queueName/:jobId/retry": { action: "retry job", destructive: false, target: "jobId" },
  "/api/queues/:queueName/:jobId/clean": { action: "remove job", destructive: true, target: "jobId" },
  "/api/queues/:queueName/:jobId/promote": { action: "promote job", destructive: false, target: "jobId" },
  "/api/queues/:queueName/:jobId/delay": { action: "change job delay", destructive: false, target: "jobId" },
  "/api/queues/:queueName/:jobId/priority": { action: "change job priority", destructive: false, target: "jobId" },
  "/api/queues/:queueName/:jobId/remove-unprocessed-children": { action: "remove unprocessed children", destructive: true, target: "jobId" },
};

/** What a changing request to bull-board's API (route pattern below the board's base path) does, for the record. */
export function boardAction(route: string, params: Record<string, string | undefined>): Omit<QueueAction, "id" | "at" | "userId"> {
  const known = BOARD_ACTIONS[route];
  const queue = params.queueName ?? "(all queues)";
  if (!known) return { queue, action: route, destructive: true };
  const target = known.target ? params[known.target] : undefined;
  return { queue, action: known.action, destructive: known.destructive, ...(target !== undefined ? { target } : {}) };
}
