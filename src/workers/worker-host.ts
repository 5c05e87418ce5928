import { hostname } from "node:os";
import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job, type WorkerOptions } from "bullmq";
import type { AppContext } from "../app/app-context";
import { DomainRuleError } from "../domain/domain-rule-error";
import { PermanentJobError } from "../errors/permanent-job-error";
import { attemptsExhausted } from "../queues/job-options";
import { RetryLaterError } from "../errors/retry-later-error";
import { backoffStrategy } from "../queues/job-options";
import { checkJob } from "../queues/payload-schemas";
import type { JobName, QueueName } from "../queues/registry";
import { createRedisClient, redisSettings, type RedisClient } from "../queues/redis-connections";
import { settlesWithin } from "../util/with-timeout";
import type { JobMetrics } from "../services/metrics/job-metrics";
import { buildJobDefinitions } from "./job-definitions";
import type { JobDefinition, JobResult } from "./job-handler";
import { stallSettings } from "../queues/queue-settings";
import { asError } from "../util/as-error";

export interface WorkerHostOptions {
  queues: QueueName[];
  concurrency: number;
  /** Lower-level BullMQ settings (lock/stalled timings), for tests and tuning. */
  workerOptions?: Partial<WorkerOptions>;
  /** Counters and histogram this process exports on WORKER_METRICS_PORT. */
  metrics?: JobMetrics;
}

/** After a forced close, how long the workers' connections get to drop before we stop waiting for them. */
const FORCED_CLOSE_GRACE_MS = 2000;

/**
 * Runs the processors of some queues in this process: one BullMQ Worker per queue, dispatching on job name after
 * checking the job belongs to the queue and its payload matches its schema, turning permanent domain errors into
 * UnrecoverableError (no retry) and letting everything else back off. A job that fails for good outside the
 * processor (stalled past maxStalledCount) goes through the same final-failure handling as one that fails inside.
 */
export class WorkerHost {
  private readonly workers: Worker[] = [];
  /** The clients handed to BullMQ: it duplicates them for its own (blocking) connections, and leaves ours open. */
  private readonly connections: RedisClient[] = [];
  private readonly definitions: Map<string, JobDefinition<JobName>>;
  /** Errors our processor threw: their final-failure handling already ran inside the processor. */
  private readonly processorErrors = new WeakSet<Error>();
  private readonly pendingFinalFailures = new Set<Promise<void>>();
  private active = 0;
  private lastTakenAt = Date.now();

  constructor(
    private readonly ctx: AppContext,
    private readonly opts: WorkerHostOptions,
  ) {
    this.definitions = buildJobDefinitions(ctx);
  }

  start(): void {
    const redis = redisSettings(this.ctx.config);
    for (const queue of this.opts.queues) {
      // Never gives up on a request (a blocking client). Not lazy: BullMQ connects a lazy client with connect(),
      // which rejects when Redis goes away before the first connection is ready, and the worker then never takes
      // a job again; a client already connecting is waited for through any outage (test/cli/bad-input.test.ts).
      const connection = createRedisClient(redis, "worker");
      this.connections.push(connection);
      const worker = new Worker(queue, (job, token) => this.process(queue, job, token), {
        connection: connection as ConnectionOptions,
        // BullMQ records it on each job it takes (processedBy): which host and process holds a job, for operators
        // (bull-board shows it) and for the fault suite, which kills the process holding an active job.
        name: `${hostname()}:${process.pid}`,
        prefix: this.ctx.config.queuePrefix,
        concurrency: this.opts.concurrency,
        ...stallSettings(queue, this.ctx.config.resilience.stall),
        settings: { backoffStrategy: backoffStrategy(this.ctx.config.resilience.backoffMaxMs) },
        ...this.opts.workerOptions,
      });
      worker.on("error", (err) => this.ctx.logger.error("worker error", { queue, error: err }));
      worker.on("stalled", (jobId) => {
        this.opts.metrics?.stalled.inc({ queue });
        this.ctx.logger.warn("job stalled; it will be retried", { queue, jobId });
      });
      worker.on("failed", (job, err) => {
        if (!job) return;
        const final = err instanceof UnrecoverableError || err.name === "UnrecoverableError" || attemptsExhausted(job, job.attemptsMade);
        this.ctx.logger[final ? "error" : "warn"](final ? "job failed" : "job failed; will retry", {
          queue, jobId: job.id, job: job.name, data: job.data, attemptsMade: job.attemptsMade, error: err,
        });
        if (final && !this.processorErrors.has(err)) this.trackFinalFailure(this.finalFailureOutsideProcessor(queue, job, err));
      });
      this.workers.push(worker);
    }
    this.ctx.logger.info("worker started", { queues: this.opts.queues, concurrency: this.opts.concurrency });
  }

  /** When this host last took a job (or started), and how many it runs now: for the progress watchdog. */
  progress(): { lastTakenAt: number; active: number } {
    return { lastTakenAt: this.lastTakenAt, active: this.active };
  }

  private async process(queue: QueueName, job: Job, token: string | undefined): Promise<JobResult> {
    this.lastTakenAt = Date.now();
    this.active++;
    try {
      return await this.dispatch(queue, job, token);
    } catch (err) {
      if (err instanceof Error) this.processorErrors.add(err);
      throw err;
    } finally {
      this.active--;
      this.lastTakenAt = Date.now();
    }
  }

  private async dispatch(queue: QueueName, job: Job, token: string | undefined): Promise<JobResult> {
    // A job on the wrong queue or with a malformed payload fails at its first attempt and changes nothing: no
    // handler, no final-failure handling (its ids cannot be trusted).
    const check = checkJob(queue, job.name, job.data);
    if (!check.ok) throw new UnrecoverableError(check.reason);
    const definition = this.definitions.get(job.name)!;
    const started = Date.now();
    const labels = { queue, job_name: job.name };
    try {
      const result = await definition.handle(job);
      this.ctx.logger.info("job completed", { queue, jobId: job.id, job: job.name, data: job.data, ms: Date.now() - started, result });
      this.opts.metrics?.duration.observe({ ...labels, outcome: "completed" }, (Date.now() - started) / 1000);
      this.opts.metrics?.completed.inc(labels);
      return result;
    } catch (err) {
      if (err instanceof RetryLaterError) return this.deferJob(queue, job, token, err);
      const error = asError(err);
      // A domain rule's refusal (e.g. a hostile link) cannot change on retry: the job layer makes it permanent.
      const permanent = error instanceof PermanentJobError || error instanceof DomainRuleError;
      const lastAttempt = attemptsExhausted(job, job.attemptsMade + 1); // this attempt is not counted yet
      this.opts.metrics?.duration.observe({ ...labels, outcome: "failed" }, (Date.now() - started) / 1000);
      if (permanent || lastAttempt) this.opts.metrics?.failed.inc(labels);
      if ((permanent || lastAttempt) && definition.onFinalFailure) await definition.onFinalFailure(job, error);
      if (permanent) throw new UnrecoverableError(error.message);
      throw error;
    }
  }

  /**
   * Waits as a delayed job: the slot is free at once and the job comes back after the delay, without using one of
   * its attempts (BullMQ's "manually delayed job": moveToDelayed, then DelayedError).
   */
  private async deferJob(queue: QueueName, job: Job, token: string | undefined, err: RetryLaterError): Promise<never> {
    await job.updateData({ ...job.data, ...err.data });
    await job.moveToDelayed(Date.now() + err.delayMs, token);
    this.ctx.logger.info("job deferred", { queue, jobId: job.id, job: job.name, delayMs: err.delayMs, reason: err.message });
    throw new DelayedError();
  }

  /**
   * BullMQ failed the job without running our processor (stalled more than maxStalledCount, started too often):
   * record the outcome the way a failure inside the processor would (learner ERRORED, failed_task row). Each
   * onFinalFailure is idempotent (compare-and-set, upsert), so a second run changes nothing.
   */
  private async finalFailureOutsideProcessor(queue: QueueName, job: Job, err: Error): Promise<void> {
    if (!checkJob(queue, job.name, job.data).ok) return;
    this.opts.metrics?.failed.inc({ queue, job_name: job.name });
    const definition = this.definitions.get(job.name);
    if (!definition?.onFinalFailure) return;
    try {
      await definition.onFinalFailure(job, err);
    } catch (e) {
      this.ctx.logger.error("final-failure handling failed", { queue, jobId: job.id, job: job.name, error: (e as Error).message });
    }
  }

  private trackFinalFailure(p: Promise<void>): void {
    this.pendingFinalFailures.add(p);
    void p.finally(() => this.pendingFinalFailures.delete(p));
  }

  /**
   * Stops taking jobs and waits for in-flight ones up to `timeoutMs`. Past it, the close is forced: BullMQ's
   * `close(true)` would only return the pending graceful close, so the workers' Redis connections are dropped
   * instead; the unfinished jobs' locks then expire and another worker re-runs them as stalled.
   */
  async close(timeoutMs: number): Promise<{ forced: boolean }> {
    const graceful = Promise.all(this.workers.map((w) => w.close()));
    const finished = await settlesWithin(graceful, timeoutMs);
    if (!finished) await settlesWithin(Promise.all(this.workers.map((w) => w.disconnect())), FORCED_CLOSE_GRACE_MS);
    await settlesWithin(Promise.all([...this.pendingFinalFailures]), FORCED_CLOSE_GRACE_MS);
    for (const c of this.connections) c.disconnect();
    return { forced: !finished };
  }
}
