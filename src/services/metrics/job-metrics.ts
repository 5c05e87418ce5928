import { timingSafeEqual, createHash } from "node:crypto";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The job metrics both the console and the workers export, under the same names (Prometheus tells them apart by
 * scrape target). `job_name` rather than `job`: Prometheus reserves `job` for the scrape job.
 */
export const METRIC = {
  queueJobs: "openedx_workers_queue_jobs",
  completed: "openedx_workers_jobs_completed_total",
  failed: "openedx_workers_jobs_failed_total",
  stalled: "openedx_workers_jobs_stalled_total",
  duration: "openedx_workers_job_duration_seconds",
  retirementLearners: "openedx_workers_retirement_learners",
  failedGenerationTasks: "openedx_workers_failed_generation_tasks",
  scrapeErrors: "openedx_workers_metrics_scrape_errors_total",
  dependencyUp: "openedx_workers_dependency_up",
} as const;

/** Seconds: jobs here take from a few ms (one SQL update) to minutes (a retirement step calling slow services). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export interface JobMetrics {
  registry: Registry;
  completed: Counter<"queue" | "job_name">;
  failed: Counter<"queue" | "job_name">;
  stalled: Counter<"queue">;
  duration: Histogram<"queue" | "job_name" | "outcome">;
}

/** A registry with the job counters, the duration histogram and Node's process metrics. */
export function createJobMetrics(opts: { duration?: boolean } = {}): JobMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const completed = new Counter({ name: METRIC.completed, help: "Jobs completed, per queue and job name", labelNames: ["queue", "job_name"] as const, registers: [registry] });
  const failed = new Counter({ name: METRIC.failed, help: "Jobs failed for good (no attempt left, or a permanent error), per queue and job name", labelNames: ["queue", "job_name"] as const, registers: [registry] });
  const stalled = new Counter({ name: METRIC.stalled, help: "Jobs found stalled (their worker stopped renewing the lock) and put back for another attempt", labelNames: ["queue"] as const, registers: [registry] });
  const duration = new Histogram({
    name: METRIC.duration,
    help: "Processing time of one job attempt, per queue, job name and outcome (completed|failed)",
    labelNames: ["queue", "job_name", "outcome"] as const,
    buckets: DURATION_BUCKETS,
    registers: opts.duration === false ? [] : [registry],
  });
  return { registry, completed, failed, stalled, duration };
}

/**
 * 1 when the dependency answered its last check, 0 when it did not: the console's is checked at scrape time (the
 * /readyz checks), a worker's by its dependency monitor every DEPENDENCY_CHECK_INTERVAL_MS. Alert on `== 0`.
 */
export function dependencyUpGauge(registry: Registry, collect?: (this: Gauge<"dependency">) => Promise<void>): Gauge<"dependency"> {
  return new Gauge({
    name: METRIC.dependencyUp,
    help: "Whether a dependency (redis|database|s3) answered its last health check: 1 up, 0 down (the same checks as /readyz)",
    labelNames: ["dependency"] as const,
    registers: [registry],
    ...(collect ? { collect } : {}),
  });
}

/** True when no token is configured, or the request carries `Authorization: Bearer <token>` (constant-time compare). */
export function metricsTokenAccepted(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  if (!match) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(match[1].trim()), digest(token));
}
