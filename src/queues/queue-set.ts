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
/** Chunks added at the same time: the next chunk's look-up and job encoding overlap this one's Redis work. */
const CHUNKS_IN_FLIGHT = 4;

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
    const byQueue = new Map<QueueName, Map<string, JobRequest>>();
    for (const r of requests) {
      const list = byQueue.get(JOB_QUEUE[r.name]) ?? new Map<string, JobRequest>();
      if (!list.has(r.jobId)) list.set(r.jobId, r); // a repeated id is one job: BullMQ keeps the first
      byQueue.set(JOB_QUEUE[r.name], list);
    }
    const created: string[] = [];
    for (const [queueName, list] of byQueue) {
      const queue = this.queue(queueName);
      const all = [...list.values()];
      const chunks: JobRequest[][] = [];
      for (let i = 0; i < all.length; i += ADD_BULK_CHUNK) chunks.push(all.slice(i, i + ADD_BULK_CHUNK));
      const results: string[][] = new Array(chunks.length);
      let next = 0;
      const lane = async () => {
        while (next < chunks.length) {
          const i = next++;
          results[i] = await this.addChunk(queue, chunks[i], opts.rerunFinished === true);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, chunks.length) }, lane));
      for (const r of results) created.push(...r);
    }
    return created;
  }

  /**
   * One chunk: one pipelined look-up of every id (with `rerunFinished`, whether it is completed or failed; whether it
   * exists), the finished ones removed, then one addBulk. Returns the ids that were new.
   */
  private async addChunk(queue: Queue, chunk: JobRequest[], rerunFinished: boolean): Promise<string[]> {
    // The queue's client once ready (it fails when the connection gives up, so a CLI names Redis as the cause).
    await queue.waitUntilReady();
    const pipeline = this.connection.pipeline();
    const completed = queue.toKey("completed");
    const failed = queue.toKey("failed");
    for (const c of chunk) {
      if (rerunFinished) pipeline.zscore(completed, c.jobId).zscore(failed, c.jobId);
      pipeline.exists(queue.toKey(c.jobId));
    }
    const replies = (await pipeline.exec()) ?? [];
    const error = replies.find(([err]) => err)?.[0];
    if (error) throw error;
    const per = rerunFinished ? 3 : 1;
    const finished: string[] = [];
    const existing = new Set<string>();
    chunk.forEach((c, i) => {
      const at = i * per;
      if (rerunFinished && (replies[at][1] !== null || replies[at + 1][1] !== null)) finished.push(c.jobId);
      else if (replies[at + per - 1][1] === 1) existing.add(c.jobId);
    });
    // Usually none: a finished job of an earlier run, removed so that asking again runs the work again.
    await Promise.all(finished.map((id) => queue.remove(id)));
    await queue.addBulk(chunk.map((c) => ({ name: c.name, data: c.data, opts: { ...c.opts, jobId: c.jobId } })));
    return chunk.filter((c) => !existing.has(c.jobId)).map((c) => c.jobId);
  }

  /** Which of these job ids exist in the queue in any state (one pipelined EXISTS round trip). */
  async presentJobIds(queueName: QueueName, ids: string[]): Promise<Set<string>> {
    const queue = this.queue(queueName);
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
