import { QueueEvents, type ConnectionOptions } from "bullmq";
import { Counter, Gauge } from "prom-client";
import { createRedisClient, redisSettings, type RedisClient } from "../queues/redis-connections";
import { JOB_STATES, jobNameOfId, type QueueName } from "../queues/registry";
import { ensureInitialized } from "../services/health/dependency-check";
import { createJobMetrics, dependencyUpGauge, METRIC, type JobMetrics } from "../services/metrics/job-metrics";
import { withTimeout } from "../util/with-timeout";
import type { ConsoleContext } from "./console-context";

/**
 * The console's /metrics registry:
 * - jobs per queue and state, read from Redis at scrape time (O(1) counts: ZCARD/LLEN per state);
 * - completed/failed/stalled counters for the whole deployment, counted from BullMQ's event stream (QueueEvents),
 *   so they hold whatever worker ran the job (each worker's own counters and duration histogram are on its
 *   WORKER_METRICS_PORT);
 * - whether Redis, the database and S3 answer, from the /readyz checks (shared with /readyz, cached a moment);
 * - learners per retirement state (one grouped query) and unresolved failed generation tasks, cached a few seconds;
 * - Node process metrics.
 */
export class ConsoleMetrics {
  readonly metrics: JobMetrics;
  private readonly events: { events: QueueEvents; connection: RedisClient }[] = [];
  private dbCache?: { at: number; states: { state: string; learners: number }[]; failedTasks: number };

  constructor(private readonly ctx: ConsoleContext) {
    this.metrics = createJobMetrics({ duration: false });
    const registry = this.metrics.registry;
    const scrapeErrors = new Counter({ name: METRIC.scrapeErrors, help: "Scrapes that could not read a source (redis|database); its gauges are then absent", labelNames: ["source"] as const, registers: [registry] });

    const queues = [...ctx.queues.entries()];
    new Gauge({
      name: METRIC.queueJobs,
      help: "Jobs per queue and state, read when scraped",
      labelNames: ["queue", "state"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        try {
          // BullMQ waits for a connection that is not ready, which would hold the whole scrape: fail it instead.
          if (ctx.redis.status !== "ready") throw new Error(`Redis connection ${ctx.redis.status}`);
          const counts = await withTimeout(Promise.all(queues.map(([, queue]) => queue.getJobCounts(...JOB_STATES))), ctx.config.console.healthTimeoutMs, "reading job counts");
          queues.forEach(([name], i) => {
            for (const state of JOB_STATES) this.set({ queue: name, state }, counts[i][state] ?? 0);
          });
        } catch {
          scrapeErrors.inc({ source: "redis" });
        }
      },
    });

    dependencyUpGauge(registry, async function () {
      const { states } = await ctx.health.check();
      for (const [dependency, state] of Object.entries(states)) this.set({ dependency }, state === "ok" ? 1 : 0);
    });

    const self = this;
    new Gauge({
      name: METRIC.retirementLearners,
      help: "Learners per retirement state (user_api_userretirementstatus by current state), cached CONSOLE_METRICS_CACHE_SECONDS",
      labelNames: ["state"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const db = await self.databaseFigures().catch(() => scrapeErrors.inc({ source: "database" }));
        for (const { state, learners } of db?.states ?? []) this.set({ state }, learners);
      },
    });
    new Gauge({
      name: METRIC.failedGenerationTasks,
      help: "Certificate generation jobs that failed for good and are not resolved (openedx_workers_failed_task), cached CONSOLE_METRICS_CACHE_SECONDS",
      registers: [registry],
      async collect() {
        this.reset();
        const db = await self.databaseFigures().catch(() => undefined);
        if (db) this.set(db.failedTasks);
      },
    });
  }

  /** Both database gauges from one cached read: a grouped count per state, and the unresolved failed tasks. */
  private async databaseFigures(): Promise<NonNullable<ConsoleMetrics["dbCache"]>> {
    const maxAge = this.ctx.config.console.metrics.retirementCacheSeconds * 1000;
    if (this.dbCache && Date.now() - this.dbCache.at < maxAge) return this.dbCache;
    const ds = this.ctx.dataSource;
    await ensureInitialized(ds);
    const [states, failed] = await Promise.all([
      ds.query(
        `SELECT rs.state_name AS state, COUNT(s.id) AS learners
           FROM user_api_retirementstate rs LEFT JOIN user_api_userretirementstatus s ON s.current_state_id = rs.id
          GROUP BY rs.state_name`,
      ) as Promise<{ state: string; learners: number | string }[]>,
      ds.query("SELECT COUNT(*) AS n FROM openedx_workers_failed_task WHERE datetime_resolved IS NULL AND queue = ?", ["certificate-generation"]) as Promise<{ n: number | string }[]>,
    ]);
    this.dbCache = { at: Date.now(), states: states.map((r) => ({ state: r.state, learners: Number(r.learners) })), failedTasks: Number(failed[0]?.n ?? 0) };
    return this.dbCache;
  }

  /** Starts counting completed/failed/stalled events of every queue (from now on; counters start at 0). */
  async start(): Promise<void> {
    for (const queue of this.ctx.queues.keys()) {
      // Our own blocking connection per reader, so close() can always cut it, even while Redis is unreachable.
      const connection = createRedisClient(redisSettings(this.ctx.config), "worker"); // reconnects by itself; /readyz reports Redis
      const events = new QueueEvents(queue, { connection: connection as unknown as ConnectionOptions, prefix: this.ctx.config.queuePrefix });
      events.on("error", () => undefined);
      const labels = (jobId: string) => ({ queue: queue as QueueName, job_name: jobNameOfId(jobId) });
      events.on("completed", ({ jobId }) => this.metrics.completed.inc(labels(jobId)));
      events.on("failed", ({ jobId }) => this.metrics.failed.inc(labels(jobId)));
      events.on("stalled", () => this.metrics.stalled.inc({ queue }));
      this.events.push({ events, connection });
    }
  }

  /** Resolves once every event reader is connected (tests wait for it before making jobs). */
  async ready(): Promise<void> {
    await Promise.all(this.events.map((e) => e.events.waitUntilReady()));
  }

  /** Bounded: with Redis down, a reader's graceful close would wait for a reconnect that may never come. */
  async close(): Promise<void> {
    await Promise.all(
      this.events.map(async ({ events, connection }) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          events.close().catch(() => undefined),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000))),
        ]);
        clearTimeout(timer);
        connection.disconnect();
      }),
    );
  }
}
