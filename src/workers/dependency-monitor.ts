import type { Gauge } from "prom-client";
import type { Logger } from "../logging/logger";
import { checkDependencies, type Dependency, type DependencyTargets } from "../services/health/dependency-check";

export interface DependencyMonitorOptions {
  targets: DependencyTargets;
  /** Bound of each check (HEALTH_CHECK_TIMEOUT_MS). */
  timeoutMs: number;
  /** Pause between two checks (DEPENDENCY_CHECK_INTERVAL_MS). */
  intervalMs: number;
  logger: Logger;
  /** openedx_workers_dependency_up of this process's /metrics, when it serves one. */
  gauge?: Gauge<"dependency">;
}

/**
 * A running worker's view of what is down: the /readyz checks of its own clients, every `intervalMs`. Each check
 * sets openedx_workers_dependency_up; a dependency that stops answering logs one error line ("dependency down",
 * with the reason), and one info line when it answers again ("dependency back", with how long it was down), not a
 * line per check. The worker itself rides the outage out (BullMQ reconnects, jobs back off). Returns stop().
 */
export function watchDependencies(opts: DependencyMonitorOptions): () => void {
  const downSince = new Map<Dependency, number>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const check = async () => {
    const { checks } = await checkDependencies(opts.targets, opts.timeoutMs);
    if (stopped) return;
    for (const [dependency, status] of Object.entries(checks) as Array<[Dependency, string]>) {
      const up = status === "ok";
      opts.gauge?.set({ dependency }, up ? 1 : 0);
      const since = downSince.get(dependency);
      if (!up && since === undefined) {
        downSince.set(dependency, Date.now());
        opts.logger.error("dependency down", { dependency, reason: status.replace(/^down: /, "") });
      } else if (up && since !== undefined) {
        downSince.delete(dependency);
        opts.logger.info("dependency back", { dependency, downMs: Date.now() - since });
      }
    }
  };
  const loop = () => {
    void check()
      .catch((err: Error) => opts.logger.warn("dependency check failed", { error: err.message }))
      .finally(() => {
        if (!stopped) {
          timer = setTimeout(loop, opts.intervalMs);
          timer.unref();
        }
      });
  };
  loop();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
