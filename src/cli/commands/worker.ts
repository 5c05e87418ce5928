import { closeAppContext, type AppContext } from "../../app/app-context";
import { createAppContext } from "../../services/app-context-factory";
import { loadConfig } from "../../config";
import { ServiceUnavailableError } from "../../errors/service-unavailable-error";
import { UndrainedWorkError } from "../../errors/undrained-work-error";
import { UsageError } from "../../errors/usage-error";
import { createLogger } from "../../logging/logger";
import { redisSettings } from "../../queues/redis-connections";
import { ALL_QUEUES, parseQueueNames, QueueName } from "../../queues/registry";
import { redisWhere } from "../../services/health/failure-detail";
import { withTimeout } from "../../util/with-timeout";
import { waitUntilIdle } from "../../workers/idle-watcher";
import { QUEUE_REQUIREMENTS } from "../../workers/job-definitions";
import { watchProgress } from "../../workers/progress-watchdog";
import { keepSchedules, syncSchedules } from "../../workers/schedules";
import { checkLmsSchemaAtStart } from "../../workers/lms-schema-check";
import { checkWorkerDependencies } from "../../workers/startup-checks";
import { checkExtraErasures, extraErasureTables } from "../../services/retirement/extra-erasures";
import { WorkerHost } from "../../workers/worker-host";
import type { EventBusConsumer } from "../../services/event-bus/event-bus-consumer";
import { startEventConsumerRole } from "../../workers/certificate-events/event-consumer-role";
import { startWorkerMetricsServer } from "../../workers/worker-metrics-server";
import { createJobMetrics, dependencyUpGauge } from "../../services/metrics/job-metrics";
import { watchDependencies } from "../../workers/dependency-monitor";
import { parseIntOption } from "../args";
import { HELP_OPTION, type CommandBody } from "../command";

/** Beyond WORKER_SHUTDOWN_TIMEOUT_MS, what closing connections may take before the process exits regardless. */
const SHUTDOWN_MARGIN_MS = 5000;
/** Hard cap of --concurrency / WORKER_CONCURRENCY (each in-flight job may hold a database connection). */
const MAX_CONCURRENCY = 256;

export const workerCommand: CommandBody = {
  usage: "openedx-workers worker [--queues a,b] [--concurrency N] [--until-idle]",
  details: `At start it checks Redis (and its maxmemory-policy), the database and S3 within STARTUP_TIMEOUT_MS; if one is
unreachable it exits 1 with one line naming it. Then it compares the LMS tables and columns its queues' job families
use with the database (as check-lms-schema does): a required one missing exits 2 naming table.column and the
family; an optional one missing is one warning line naming what its jobs skip. SIGTERM or SIGINT: stop taking jobs, let in-flight jobs finish for up
to WORKER_SHUTDOWN_TIMEOUT_MS, close connections and exit 0; the process ends within that time plus ${SHUTDOWN_MARGIN_MS / 1000} s
whatever state it is in (a second signal ends it at once). Jobs still running then are recovered by another worker
as stalled and re-run (every processor is idempotent). While running it rides out Redis, database and S3 outages;
if it takes no job for WORKER_WATCHDOG_MS while jobs wait, it exits 1 so its supervisor restarts it.
--until-idle exits 0 once its queues are idle, for cron jobs and Kubernetes Jobs. Idle means, for every queue,
nothing waiting, active or delayed (a retry backing off counts; the next run a job schedule keeps does not), and the
outboxes its schedules drain are done: for certificate-events with SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS
on, openedx_workers_certificate_event_outbox is empty (every event on the bus); for credentials with
CREDENTIALS_INTERNAL_SERVICE_URL set, every row of openedx_workers_credentials_outbox has its award job (then run).
Once the queues are otherwise idle it runs such a drain at once, not at the schedule's next interval. Scheduled runs
on a calendar (retire-learners, archive, partner report, sweepers, backfill, generation from the database) are not
waited for. It exits 1 if Redis or the database goes away meanwhile, or if a drain fails for good (naming the rows
left).
With EVENT_BUS_CONSUME set, the worker also consumes those event bus topics (docs/event-bus.md).
Every DEPENDENCY_CHECK_INTERVAL_MS it checks Redis, the database and S3 and logs "dependency down" / "dependency back"
when one changes. WORKER_METRICS_PORT > 0 serves this process's job counters, duration histogram, process metrics
and openedx_workers_dependency_up at /metrics.`,
  options: {
    queues: { type: "string", valueName: "a,b", description: `Queues to process (default all: ${ALL_QUEUES.join(", ")})` },
    concurrency: { type: "string", valueName: "N", description: `Jobs at once per queue, 1-${MAX_CONCURRENCY} (default WORKER_CONCURRENCY)` },
    "until-idle": { type: "boolean", description: "Exit 0 once the queues have nothing waiting, delayed or active and their outboxes are drained" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    if (options.queues !== undefined && String(options.queues).trim() === "") throw new UsageError("--queues names no queue");
    const queues = options.queues ? parseQueueNames(String(options.queues)) : ALL_QUEUES;
    if (queues.length === 0) throw new UsageError("--queues names no queue");
    const config = loadConfig(io.env, { require: queues.flatMap((q) => QUEUE_REQUIREMENTS[q] ?? []) });
    const concurrency = parseIntOption(options.concurrency as string | undefined, "--concurrency", { default: config.worker.concurrency, min: 1, max: MAX_CONCURRENCY });
    const logger = createLogger(config);
    const runConfig = { ...config, worker: { ...config.worker, concurrency } };
    const metrics = config.console.metrics.workerPort > 0 ? createJobMetrics() : undefined;
    const dependencyGauge = metrics ? dependencyUpGauge(metrics.registry) : undefined;

    // Signals are handled from the first moment, so SIGTERM during a start that waits on a dead service ends it.
    const stopping = new AbortController();
    let hardExit: NodeJS.Timeout | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping.signal.aborted) {
        logger.warn("second signal: exiting now", { signal });
        process.exit(1);
      }
      logger.info("shutting down: no new jobs, waiting for in-flight ones", { signal, timeoutMs: config.worker.shutdownTimeoutMs });
      stopping.abort();
      // The bound of last resort: whatever is still pending (a hung socket, a reconnecting client), the process ends.
      hardExit = setTimeout(() => {
        logger.error("shutdown did not finish in time; exiting", { timeoutMs: config.worker.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS });
        process.exit(1);
      }, config.worker.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS);
      hardExit.unref();
    };
    const stopped = new Promise<"signal">((resolve) => stopping.signal.addEventListener("abort", () => resolve("signal")));
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);

    logger.info("worker starting: checking Redis, the database and S3", { queues, timeoutMs: config.resilience.startupTimeoutMs });
    let ctx: AppContext | undefined;
    let host: WorkerHost | undefined;
    let consumer: EventBusConsumer | undefined;
    let metricsServer: Awaited<ReturnType<typeof startWorkerMetricsServer>> | undefined;
    const stops: Array<() => void> = [];
    try {
      const start = async () => {
        await checkWorkerDependencies(runConfig, queues, logger);
        const bound = runConfig.resilience.startupTimeoutMs;
        ctx = await withTimeout(createAppContext(runConfig, logger, { mode: "service", queueCount: queues.length }), bound, "opening the database pool");
        // One information_schema read: the registry's tables, and the operator's extra erasure tables when retiring.
        const retiring = queues.includes(QueueName.LearnerRetirement);
        const extraTables = retiring ? extraErasureTables(runConfig.extraErasures) : [];
        const consuming = runConfig.eventBus.consumeTopics.length > 0;
        await withTimeout(checkLmsSchemaAtStart(ctx.dataSource, queues, logger, { consuming, extraTables }), bound, "reading the LMS schema");
        // An extra erasure naming a table or column this LMS lacks would fail every learner at retire_lms: exit 2 now.
        if (retiring) await withTimeout(checkExtraErasures(ctx.dataSource, runConfig.extraErasures), bound, "checking RETIREMENT_EXTRA_ERASURES");
        await withTimeout(syncSchedules(ctx.queues, queues, ctx.config, logger), bound, "syncing job schedules");
        return "started" as const;
      };
      if ((await Promise.race([start(), stopped])) === "signal") {
        logger.info("stopped before start completed");
        return 0;
      }
      host = new WorkerHost(ctx!, { queues, concurrency, metrics });
      host.start();
      consumer = await startEventConsumerRole(ctx!);
      if (metrics) {
        metricsServer = await startWorkerMetricsServer(metrics, { port: config.console.metrics.workerPort, token: config.console.metrics.token });
        logger.info("worker metrics served", { port: metricsServer.port, path: "/metrics" });
      }
      // S3 is a dependency only of the purge (the start check decides the same way).
      const s3Used = queues.includes(QueueName.CertificatePurge) && !!config.certificates.bucket;
      stops.push(watchDependencies({
        targets: { redis: ctx!.queues.connection, dataSource: ctx!.dataSource, s3: s3Used ? ctx!.s3 : undefined, bucket: config.certificates.bucket },
        timeoutMs: config.console.healthTimeoutMs, intervalMs: config.resilience.dependencyCheckIntervalMs, logger, gauge: dependencyGauge,
      }));
      stops.push(keepSchedules(ctx!.queues, queues, ctx!.config, logger, config.resilience.scheduleCheckIntervalMs));

      const stuck = new Promise<"stuck">((resolve) => {
        if (config.resilience.watchdogMs > 0) {
          stops.push(watchProgress({
            host: host!, queues: ctx!.queues, names: queues, stallMs: config.resilience.watchdogMs, logger,
            onStuck: ({ idleMs, waiting }) => {
              logger.error("no job taken while jobs wait; exiting so the supervisor restarts this worker", { idleMs, waiting, queues });
              resolve("stuck");
            },
          }));
        }
      });
      const idle = options["until-idle"]
        ? waitUntilIdle(ctx!, queues, { signal: stopping.signal }).then(
            () => "idle" as const,
            (err: Error) => {
              if (err instanceof UndrainedWorkError || err instanceof ServiceUnavailableError) throw err; // already say what and where
              throw new ServiceUnavailableError("Redis", `at ${redisWhere(redisSettings(config))} went away while waiting for the queues to drain: ${err.message}`);
            },
          )
        : new Promise<never>(() => undefined);

      const outcome = await Promise.race([idle, stopped, stuck]);
      if (outcome === "idle") logger.info("queues idle; exiting", { queues });
      return outcome === "stuck" ? 1 : 0;
    } finally {
      for (const stop of stops) stop();
      await consumer?.stop();
      if (host) {
        const { forced } = await host.close(config.worker.shutdownTimeoutMs);
        if (forced) logger.warn("shutdown timeout reached; unfinished jobs will be retried as stalled");
      }
      await metricsServer?.close();
      if (ctx) await closeAppContext(ctx);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      clearTimeout(hardExit);
      logger.info("worker stopped");
    }
  },
};
