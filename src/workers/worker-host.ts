import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type WorkerOptions } from "bullmq";
import type { AppContext } from "../app/app-context";
import { PermanentJobError } from "../errors/permanent-job-error";
import type { JobName, QueueName } from "../queues/registry";
import { workerConnectionOptions } from "../queues/redis-connections";
import { buildJobDefinitions } from "./job-definitions";
import type { JobDefinition, JobResult } from "./job-handler";

export interface WorkerHostOptions {
  queues: QueueName[];
  concurrency: number;
  /** Lower-level BullMQ settings (lock/stalled timings), for tests and tuning. */
  workerOptions?: Partial<WorkerOptions>;
}

/**
 * Runs the processors of some queues in this process: one BullMQ Worker per queue, dispatching on job name,
 * turning permanent domain errors into UnrecoverableError (no retry) and letting everything else back off.
 */
export class WorkerHost {
  private readonly workers: Worker[] = [];
  private readonly definitions: Map<string, JobDefinition<JobName>>;

  constructor(
    private readonly ctx: AppContext,
    private readonly opts: WorkerHostOptions,
  ) {
    this.definitions = buildJobDefinitions(ctx);
  }

  start(): void {
    for (const queue of this.opts.queues) {
      const worker = new Worker(queue, (job) => this.process(queue, job), {
        // BullMQ owns (and closes) this connection; it must never give up on a request.
        connection: workerConnectionOptions(this.ctx.config.redisUrl) as ConnectionOptions,
        prefix: this.ctx.config.queuePrefix,
        concurrency: this.opts.concurrency,
        ...this.opts.workerOptions,
      });
      worker.on("error", (err) => this.ctx.logger.error("worker error", { queue, error: err.message }));
      worker.on("stalled", (jobId) => this.ctx.logger.warn("job stalled; it will be retried", { queue, jobId }));
      worker.on("failed", (job, err) => {
        if (!job) return;
        const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
        this.ctx.logger[final ? "error" : "warn"](final ? "job failed" : "job failed; will retry", {
          queue, jobId: job.id, job: job.name, data: job.data, attemptsMade: job.attemptsMade, error: err.message,
        });
      });
      this.workers.push(worker);
    }
    this.ctx.logger.info("worker started", { queues: this.opts.queues, concurrency: this.opts.concurrency });
  }

  private async process(queue: QueueName, job: Job): Promise<JobResult> {
    const definition = this.definitions.get(job.name);
    if (!definition) throw new UnrecoverableError(`unknown job name "${job.name}" on queue ${queue}`);
    const started = Date.now();
    try {
      const result = await definition.handle(job);
      this.ctx.logger.info("job completed", { queue, jobId: job.id, job: job.name, data: job.data, ms: Date.now() - started, result });
      return result;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const permanent = error instanceof PermanentJobError;
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if ((permanent || lastAttempt) && definition.onFinalFailure) await definition.onFinalFailure(job, error);
      if (permanent) throw new UnrecoverableError(error.message);
      throw error;
    }
  }

  /** Stops taking jobs and waits for in-flight ones up to `timeoutMs`; then forces the close (they will stall and retry). */
  async close(timeoutMs: number): Promise<{ forced: boolean }> {
    let timer: NodeJS.Timeout | undefined;
    const graceful = Promise.all(this.workers.map((w) => w.close())).then(() => false);
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const forced = await Promise.race([graceful, timeout]);
    clearTimeout(timer);
    if (forced) await Promise.all(this.workers.map((w) => w.close(true).catch(() => undefined)));
    return { forced };
  }
}
