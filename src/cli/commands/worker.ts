import { closeAppContext, createAppContext } from "../../app/app-context";
import { loadConfig } from "../../config";
import { createLogger } from "../../logging/logger";
import { ALL_QUEUES, parseQueueNames } from "../../queues/registry";
import { UsageError } from "../../errors/usage-error";
import { QUEUE_REQUIREMENTS } from "../../workers/job-definitions";
import { waitUntilIdle } from "../../workers/idle-watcher";
import { syncSchedules } from "../../workers/schedules";
import { WorkerHost } from "../../workers/worker-host";
import { parseIntOption } from "../args";
import { HELP_OPTION, type Command } from "../command";

export const workerCommand: Command = {
  name: "worker",
  summary: "Process jobs from the queues until stopped (or until idle)",
  usage: "openedx-workers worker [--queues a,b] [--concurrency N] [--until-idle]",
  details: `SIGTERM or SIGINT: stop taking jobs, let in-flight jobs finish for up to WORKER_SHUTDOWN_TIMEOUT_MS, close
connections and exit 0. Jobs still running then are recovered by another worker as stalled and re-run (every
processor is idempotent). --until-idle exits 0 once the queues have nothing waiting, delayed or active.`,
  options: {
    queues: { type: "string", valueName: "a,b", description: `Queues to process (default all: ${ALL_QUEUES.join(", ")})` },
    concurrency: { type: "string", valueName: "N", description: "Jobs at once per queue (default WORKER_CONCURRENCY)" },
    "until-idle": { type: "boolean", description: "Exit 0 once the queues have nothing waiting, delayed or active" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const queues = options.queues ? parseQueueNames(String(options.queues)) : ALL_QUEUES;
    if (queues.length === 0) throw new UsageError("--queues names no queue");
    const config = loadConfig(io.env, { require: queues.flatMap((q) => QUEUE_REQUIREMENTS[q] ?? []) });
    const concurrency = parseIntOption(options.concurrency as string | undefined, "--concurrency", { default: config.worker.concurrency, min: 1 });
    const logger = createLogger(config);
    const ctx = await createAppContext({ ...config, worker: { ...config.worker, concurrency } }, logger);
    const host = new WorkerHost(ctx, { queues, concurrency });

    const stopping = new AbortController();
    const stopped = new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping.signal.aborted) return;
        logger.info("shutting down: no new jobs, waiting for in-flight ones", { signal, timeoutMs: config.worker.shutdownTimeoutMs });
        stopping.abort();
        resolve();
      };
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
    });

    await syncSchedules(ctx.queues, queues, ctx.config, logger);
    host.start();
    if (options["until-idle"]) {
      await Promise.race([waitUntilIdle(ctx.queues, queues, { signal: stopping.signal }), stopped]);
      if (!stopping.signal.aborted) logger.info("queues idle; exiting", { queues });
    } else {
      await stopped;
    }
    const { forced } = await host.close(config.worker.shutdownTimeoutMs);
    if (forced) logger.warn("shutdown timeout reached; unfinished jobs will be retried as stalled");
    await closeAppContext(ctx);
    logger.info("worker stopped");
    return 0;
  },
};
