import type { AppContext } from "../app/app-context";
import type { FailedTask } from "../entities/worker";
import type { JobRequest } from "../queues/queue-set";
import { JobName, jobIds } from "../queues/registry";
import { FailedTaskStore, failedTaskRecordsOf } from "../services/certificate-generation/failed-task-store";
import { enqueueGenerations, generationJobs } from "./certificate-generation.producer";

export const GENERATION_TASK_NAMES: string[] = [JobName.GenerateCertificate, JobName.GenerateCertificatesFromDatabase];

/**
 * The failed-task rows a failed generation job stands for: its own, or for a generate-certificates chunk one per
 * learner it still held (recorded under each learner's generate-certificate id, see failedTaskRecordsOf).
 */
export function failedTaskIdsOf(job: { id?: string; name: string; data: unknown; attemptsMade?: number }): string[] {
  return failedTaskRecordsOf({ ...job, attemptsMade: job.attemptsMade ?? 0 }, new Error("")).map((r) => r.taskId);
}

/** Rows read, enqueued and resolved at a time: a backlog of any size is reapplied in bounded memory and round trips. */
export const REAPPLY_BATCH = 500;
/** Job ids and refusals a summary keeps to show (the counts are complete). */
const SUMMARY_SAMPLE = 100;

interface InvalidRow {
  taskId: string;
  reason: string;
}

interface ReapplySummary {
  /** Failed jobs put back on the queue (rows now resolved), or that would be in a dry run. */
  reapplied: number;
  /** Rows whose stored arguments are not a job this service can run: left unresolved. */
  invalid: number;
  /** The first re-enqueued job ids, oldest failure first (at most SUMMARY_SAMPLE). */
  jobIds: string[];
  /** The first unresolvable rows with why (at most SUMMARY_SAMPLE). */
  invalidRows: InvalidRow[];
  batches: number;
}

interface ReapplyOptions {
  taskIds?: string[];
  dryRun?: boolean;
  /** Called after each batch with its job ids and refusals (the CLI prints them as it goes). */
  onBatch?: (batch: { jobIds: string[]; invalid: InvalidRow[] }) => void | Promise<void>;
}

/**
 * upstream's reapply_tasks for the generation jobs: each unresolved failure is enqueued again under its own job
 * id (the failed job is replaced) and marked resolved at once. If it fails again, a new unresolved row appears.
 * Rows go in batches of REAPPLY_BATCH in id order (keyset), up to the newest row that existed when the run began, so
 * a job failing again meanwhile is not picked up by the same run.
 */
export async function reapplyFailedGeneration(ctx: Pick<AppContext, "dataSource" | "queues" | "config">, opts: ReapplyOptions = {}): Promise<ReapplySummary> {
  const store = new FailedTaskStore(ctx.dataSource);
  const summary: ReapplySummary = { reapplied: 0, invalid: 0, jobIds: [], invalidRows: [], batches: 0 };
  const upTo = await store.newestId();
  if (upTo === undefined) return summary;
  let afterId: string | undefined;
  for (;;) {
    const rows = await store.unresolved(GENERATION_TASK_NAMES, { taskIds: opts.taskIds, afterId, upToId: upTo, limit: REAPPLY_BATCH });
    if (rows.length === 0) break;
    afterId = rows[rows.length - 1].id;
    const requests: Array<{ row: FailedTask; request: JobRequest }> = [];
    const invalid: InvalidRow[] = [];
    for (const row of rows) {
      const built = requestOf(row, ctx.config.generation);
      if (typeof built === "string") invalid.push({ taskId: row.taskId, reason: built });
      else requests.push({ row, request: built });
    }
    if (!opts.dryRun && requests.length > 0) {
      await enqueueGenerations(ctx.queues, requests.map((r) => r.request));
      await store.resolve(requests.map((r) => r.row.id));
    }
    const jobIdsOfBatch = requests.map((r) => r.request.jobId);
    summary.batches++;
    summary.reapplied += requests.length;
    summary.invalid += invalid.length;
    summary.jobIds.push(...jobIdsOfBatch.slice(0, SUMMARY_SAMPLE - summary.jobIds.length));
    summary.invalidRows.push(...invalid.slice(0, SUMMARY_SAMPLE - summary.invalidRows.length));
    await opts.onBatch?.({ jobIds: jobIdsOfBatch, invalid });
    if (rows.length < REAPPLY_BATCH) break;
  }
  return summary;
}

function requestOf(row: FailedTask, config: AppContext["config"]["generation"]): JobRequest | string {
  let data: unknown;
  try {
    data = JSON.parse(row.kwargs);
  } catch {
    return "stored arguments are not JSON";
  }
  if (row.taskName === JobName.GenerateCertificatesFromDatabase) {
    // Scheduler-made ids ("repeat:…") hold ':', which custom ids may not: one id per failed-task row instead.
    return { name: JobName.GenerateCertificatesFromDatabase, data: {}, jobId: `generate-certificates-from-database.reapply.${row.id}` };
  }
  const { userId, courseKey } = (data ?? {}) as { userId?: unknown; courseKey?: unknown };
  if (typeof userId !== "number" || typeof courseKey !== "string") return "stored arguments lack userId and courseKey";
  const [request] = generationJobs(courseKey, [userId], config);
  // Keep the id the job failed under (it is the deterministic one unless the row was written by an older version).
  return row.taskId === jobIds.generateCertificate(userId, courseKey) ? request : { ...request, jobId: row.taskId };
}
