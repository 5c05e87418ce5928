import { isS3ServiceError, s3ErrorCode } from "../../storage/s3-error";
import { ListBucketsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "../../logging/logger";
import type { RedisClient } from "../../queues/redis-connections";
import type { DataSource } from "typeorm";

/** "ok", or "down: <reason>": the detailed answer, for logs (may name hosts, users, buckets). */
type DependencyStatus = "ok" | `down: ${string}`;

/**
 * "ok", or "down: <code>" with a code from a closed vocabulary (`timeout`, a Node or MySQL error code such as
 * ECONNREFUSED or ER_ACCESS_DENIED_ERROR, an S3 error code such as NoSuchBucket or InvalidAccessKeyId, the Redis
 * connection's state): what a public endpoint (/readyz) may show. Never error text, which names hosts and users.
 */
export type DependencyState = "ok" | `down: ${string}`;

/** Our own reason a dependency counts as down, with its code for the public state. */
class DependencyDownError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "DependencyDownError";
  }
}

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

interface CheckResult {
  status: DependencyStatus;
  state: DependencyState;
}

/** Error codes as libraries set them: Node and mysql2 (`ECONNREFUSED`, `ER_BAD_DB_ERROR`), AWS (`NoSuchBucket`). */
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_]{1,63}$/;

/** The public code of a failed check: a code the error carries, never its message. */
function codeOf(err: unknown): string {
  if (err instanceof DependencyTimeoutError) return "timeout";
  if (isS3ServiceError(err)) return s3ErrorCode(err); // S3 answered: its code, or one derived from the HTTP status
  const e = err as { code?: unknown; name?: unknown; Code?: unknown };
  // AWS SDK errors carry the service's code as their name (NoSuchBucket, InvalidAccessKeyId, AccessDenied).
  for (const candidate of [e.code, e.Code, e.name]) {
    if (typeof candidate === "string" && ERROR_CODE.test(candidate) && candidate !== "Error" && candidate !== "UnknownError") return candidate;
  }
  return "error";
}

async function status(work: (signal: AbortSignal) => Promise<unknown>, ms: number): Promise<CheckResult> {
  try {
    await withTimeout(work, ms);
    return { status: "ok", state: "ok" };
  } catch (err) {
    const e = err as Error & { code?: string };
    const reason = e.message || e.code || e.name || String(err);
    return { status: `down: ${reason.replace(/\s+/g, " ").slice(0, 200)}`, state: `down: ${codeOf(err)}` };
  }
}

async function checkRedis(redis: RedisClient, ms: number): Promise<CheckResult> {
  return status(async () => {
    // A connection being opened gets the check's time to become ready (a busy machine may take a moment); one that
    // is reconnecting or closed would queue the PING until it is back: report it down at once instead.
    if (redis.status === "connecting" || redis.status === "connect") await becomesReady(redis);
    if (redis.status !== "ready" && redis.status !== "wait") throw new DependencyDownError(`connection_${redis.status}`, `connection ${redis.status}`);
    const answer = await redis.ping();
    if (answer !== "PONG") throw new DependencyDownError("unexpected_answer", `unexpected PING answer ${answer}`);
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

async function checkDatabase(dataSource: DataSource, ms: number): Promise<CheckResult> {
  return status(async () => {
    // A process started while the database was down initializes its pool on the first check that reaches it.
    await ensureInitialized(dataSource);
    await dataSource.query("SELECT 1");
  }, ms);
}

async function checkS3(s3: S3Client, bucket: string | undefined, ms: number): Promise<CheckResult> {
  return status(async (abortSignal) => {
    // A listing of at most one key, not HeadBucket: a HEAD answer has no body, so the SDK can only say NotFound,
    // Forbidden or UnknownError, where a GET's error names the cause (NoSuchBucket, InvalidAccessKeyId,
    // SignatureDoesNotMatch, AccessDenied). Both need the same permission (s3:ListBucket).
    if (bucket) await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }), { abortSignal });
    else await s3.send(new ListBucketsCommand({ MaxBuckets: 1 }), { abortSignal });
  }, ms);
}

export type Dependency = "redis" | "database" | "s3";

export interface DependencyReport {
  ready: boolean;
  /** Detailed answers, for logs. */
  checks: Partial<Record<Dependency, DependencyStatus>>;
  /** Public states (codes only), for /readyz. */
  states: Partial<Record<Dependency, DependencyState>>;
}

/**
 * Every dependency checked in parallel, each bounded by `ms`: the whole check takes at most about `ms`. The same
 * checks answer the console's /readyz, set openedx_workers_dependency_up and drive a worker's down/back log lines.
 */
export async function checkDependencies(targets: DependencyTargets, ms: number): Promise<DependencyReport> {
  const [redis, database, s3] = await Promise.all([
    checkRedis(targets.redis, ms),
    checkDatabase(targets.dataSource, ms),
    targets.s3 ? checkS3(targets.s3, targets.bucket, ms) : undefined,
  ]);
  const results: Partial<Record<Dependency, CheckResult>> = s3 === undefined ? { redis, database } : { redis, database, s3 };
  const entries = Object.entries(results) as Array<[Dependency, CheckResult]>;
  return {
    ready: entries.every(([, r]) => r.status === "ok"),
    checks: Object.fromEntries(entries.map(([d, r]) => [d, r.status])),
    states: Object.fromEntries(entries.map(([d, r]) => [d, r.state])),
  };
}

/**
 * checkDependencies for a public endpoint: one run serves every caller for `ttlMs` after it started (and every
 * caller while it runs), so a flood of /readyz or /metrics requests costs the database and S3 one check per
 * `ttlMs`. A dependency going down is logged once with its detailed reason, and once when it is back.
 */
export class CachedDependencyChecks {
  private last?: { at: number; report: Promise<DependencyReport> };
  private readonly down = new Set<Dependency>();

  constructor(
    private readonly targets: DependencyTargets,
    private readonly timeoutMs: number,
    private readonly ttlMs: number,
    private readonly logger?: Logger,
  ) {}

  check(): Promise<DependencyReport> {
    if (!this.last || Date.now() - this.last.at >= this.ttlMs) {
      const report = checkDependencies(this.targets, this.timeoutMs).then((r) => this.logChanges(r));
      this.last = { at: Date.now(), report };
    }
    return this.last.report;
  }

  private logChanges(report: DependencyReport): DependencyReport {
    for (const [dependency, status] of Object.entries(report.checks) as Array<[Dependency, DependencyStatus]>) {
      if (status !== "ok" && !this.down.has(dependency)) {
        this.down.add(dependency);
        this.logger?.error("dependency down", { dependency, reason: status.replace(/^down: /, "") });
      } else if (status === "ok" && this.down.delete(dependency)) {
        this.logger?.info("dependency back", { dependency });
      }
    }
    return report;
  }
}
