import { Queue, type JobsOptions } from "bullmq";
import type { CoreConfig, ResilienceConfig } from "../config";
import { defaultJobOptions } from "./job-options";
import { JOB_QUEUE, type JobName, type JobPayloads, type QueueName } from "./registry";
import { createRedisClient, redisSettings, type RedisClient } from "./redis-connections";

export interface JobRequest<J extends JobName = JobName> {
  name: J;
  data: JobPayloads[J];
  jobId: string;
  /** Per-job overrides of the queue defaults (e.g. a family's own attempts and backoff). */
  opts?: Pick<JobsOptions, "attempts" | "backoff" | "delay">;
}

/** BullMQ's own limit is per MULTI; ~1k per addBulk keeps each round trip short (bullmq #1670). */
const ADD_BULK_CHUNK = 1000;

/**
 * Producer side of every queue: one shared fail-fast Redis connection, typed adds with deterministic ids.
 */
export class QueueSet {
  private readonly queues = new Map<QueueName, Queue>();
  readonly connection: RedisClient;

  /**
   * `mode: "service"` for long-running processes (the worker): the connection then reconnects forever, so a Redis
   * restart does not leave its schedulers and idle checks with a dead connection ("Connection is closed").
   */
  constructor(
    private readonly config: Pick<CoreConfig, "redisUrl" | "queuePrefix" | "worker"> & { resilience?: Pick<ResilienceConfig, "redis"> },
    opts: { mode?: "cli" | "service" } = {},
  ) {
    this.connection = createRedisClient(redisSettings(config), opts.mode ?? "cli");
  }

  get prefix(): string {
    return this.config.queuePrefix;
  }

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.config.queuePrefix, defaultJobOptions: defaultJobOptions(this.config) });
      q.on("error", () => undefined); // surfaced by the failing call itself; avoid unhandled 'error' events
      this.queues.set(name, q);
    }
    return q;
  }

  async add<J extends JobName>(req: JobRequest<J>): Promise<void> {
    await this.queue(JOB_QUEUE[req.name]).add(req.name, req.data, { ...req.opts, jobId: req.jobId });
  }

  /**
   * Adds many jobs in chunked bulk round trips; returns how many were new (not already present by id).
   * With `rerunFinished`, a completed or failed job under the same id is removed first, so asking again runs the
   * work again, while one still waiting or running is left alone (it has not read its facts yet, or is reading them).
   */
  async addMany(requests: JobRequest[], opts: { rerunFinished?: boolean } = {}): Promise<number> {
    return (await this.addManyNew(requests, opts)).length;
  }

  /** addMany, returning the ids of the jobs that were new. */
  async addManyNew(requests: JobRequest[], opts: { rerunFinished?: boolean } = {}): Promise<string[]> {
    const created: string[] = [];
    const byQueue = new Map<QueueName, JobRequest[]>();
    for (const r of requests) {
      const list = byQueue.get(JOB_QUEUE[r.name]) ?? [];
      list.push(r);
      byQueue.set(JOB_QUEUE[r.name], list);
    }
    for (const [queueName, list] of byQueue) {
      const queue = this.queue(queueName);
      for (let i = 0; i < list.length; i += ADD_BULK_CHUNK) {
        const chunk = list.slice(i, i + ADD_BULK_CHUNK);
        if (opts.rerunFinished) await this.removeFinished(queue, chunk.map((c) => c.jobId));
        const existing = await this.existingIds(queue, chunk.map((c) => c.jobId));
        await queue.addBulk(chunk.map((c) => ({ name: c.name, data: c.data, opts: { ...c.opts, jobId: c.jobId } })));
        created.push(...chunk.filter((c) => !existing.has(c.jobId)).map((c) => c.jobId));
      }
    }
    return created;
  }

  /** Removes the jobs among these ids that are completed or failed (one pipelined look-up round trip). */
  private async removeFinished(queue: Queue, ids: string[]): Promise<void> {
    const pipeline = this.connection.pipeline();
    for (const id of ids) {
      pipeline.zscore(queue.toKey("completed"), id);
      pipeline.zscore(queue.toKey("failed"), id);
    }
    const results = (await pipeline.exec()) ?? [];
    const finished = ids.filter((_, i) => results[2 * i]?.[1] !== null || results[2 * i + 1]?.[1] !== null);
    await Promise.all(finished.map((id) => queue.remove(id)));
  }

  /** Which of these job ids exist in the queue in any state (one pipelined EXISTS round trip). */
  async presentJobIds(queueName: QueueName, ids: string[]): Promise<Set<string>> {
    const queue = this.queue(queueName);
    const pipeline = this.connection.pipeline();
    for (const id of ids) pipeline.exists(queue.toKey(id));
    const results = (await pipeline.exec()) ?? [];
    return new Set(ids.filter((_, i) => results[i]?.[1] === 1));
  }

  /** Which of these ids already exist as jobs (one pipelined EXISTS round trip). */
  private async existingIds(queue: Queue, ids: string[]): Promise<Set<string>> {
    const pipeline = this.connection.pipeline();
    for (const id of ids) pipeline.exists(queue.toKey(id));
    const results = (await pipeline.exec()) ?? [];
    return new Set(ids.filter((_, i) => results[i]?.[1] === 1));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
