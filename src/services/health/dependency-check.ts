import { HeadBucketCommand, ListBucketsCommand, type S3Client } from "@aws-sdk/client-s3";
import type { RedisClient } from "../../queues/redis-connections";
import type { DataSource } from "typeorm";

/** "ok", or "down: <reason>": the value /readyz shows per dependency. */
type DependencyStatus = "ok" | `down: ${string}`;

export interface DependencyTargets {
  redis: RedisClient;
  dataSource: DataSource;
  /** Unset for a process that does not use S3 (a worker serving no purge queue): then not checked. */
  s3?: S3Client;
  /** Checked with HeadBucket when set (the bucket the purge needs); otherwise the endpoint answers ListBuckets. */
  bucket?: string;
}

class DependencyTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "DependencyTimeoutError";
  }
}

/** Resolves or rejects as `work` does, or rejects with DependencyTimeoutError after `ms` (the work is abandoned). */
async function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DependencyTimeoutError(ms));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function status(work: (signal: AbortSignal) => Promise<unknown>, ms: number): Promise<DependencyStatus> {
  try {
    await withTimeout(work, ms);
    return "ok";
  } catch (err) {
    const e = err as Error & { code?: string };
    const reason = e.message || e.code || e.name || String(err);
    return `down: ${reason.replace(/\s+/g, " ").slice(0, 200)}`;
  }
}

async function checkRedis(redis: RedisClient, ms: number): Promise<DependencyStatus> {
  return status(async () => {
    // A connection being opened gets the check's time to become ready (a busy machine may take a moment); one that
    // is reconnecting or closed would queue the PING until it is back: report it down at once instead.
    if (redis.status === "connecting" || redis.status === "connect") await becomesReady(redis);
    if (redis.status !== "ready" && redis.status !== "wait") throw new Error(`connection ${redis.status}`);
    const answer = await redis.ping();
    if (answer !== "PONG") throw new Error(`unexpected PING answer ${answer}`);
  }, ms);
}

/** Resolves on the client's next "ready", or when it gives up on this attempt ("close"); bounded by the caller. */
function becomesReady(redis: RedisClient): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      redis.off("ready", done);
      redis.off("close", done);
      resolve();
    };
    redis.once("ready", done);
    redis.once("close", done);
  });
}

const initializing = new WeakMap<DataSource, Promise<unknown>>();

/** Initializes a pool once even when several checks ask at the same time; a failed attempt may be retried later. */
export async function ensureInitialized(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) return;
  let pending = initializing.get(dataSource);
  if (!pending) {
    pending = dataSource.initialize().finally(() => initializing.delete(dataSource));
    initializing.set(dataSource, pending);
  }
  await pending;
}

async function checkDatabase(dataSource: DataSource, ms: number): Promise<DependencyStatus> {
  return status(async () => {
    // A process started while the database was down initializes its pool on the first check that reaches it.
    await ensureInitialized(dataSource);
    await dataSource.query("SELECT 1");
  }, ms);
}

async function checkS3(s3: S3Client, bucket: string | undefined, ms: number): Promise<DependencyStatus> {
  return status(async (abortSignal) => {
    if (bucket) await s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal });
    else await s3.send(new ListBucketsCommand({ MaxBuckets: 1 }), { abortSignal });
  }, ms);
}

export type Dependency = "redis" | "database" | "s3";

/**
 * Every dependency checked in parallel, each bounded by `ms`: the whole check takes at most about `ms`. The same
 * checks answer the console's /readyz, set openedx_workers_dependency_up and drive a worker's down/back log lines.
 */
export async function checkDependencies(targets: DependencyTargets, ms: number): Promise<{ ready: boolean; checks: Partial<Record<Dependency, DependencyStatus>> }> {
  const [redis, database, s3] = await Promise.all([
    checkRedis(targets.redis, ms),
    checkDatabase(targets.dataSource, ms),
    targets.s3 ? checkS3(targets.s3, targets.bucket, ms) : undefined,
  ]);
  const checks: Partial<Record<Dependency, DependencyStatus>> = s3 === undefined ? { redis, database } : { redis, database, s3 };
  return { ready: Object.values(checks).every((s) => s === "ok"), checks };
}
