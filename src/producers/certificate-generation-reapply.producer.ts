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

interface ReapplySummary {
  /** Failed jobs put back on the queue (rows now resolved). */
  reapplied: string[];
  /** Rows whose stored arguments are not a job this service can run: left unresolved, reported. */
  invalid: Array<{ taskId: string; reason: string }>;
}

/**
 * upstream's reapply_tasks for the generation jobs: each unresolved failure is enqueued again under its own job
 * id (the failed job is replaced) and marked resolved at once. If it fails again, a new unresolved row appears.
 */
export async function reapplyFailedGeneration(ctx: Pick<AppContext, "dataSource" | "queues" | "config">, opts: { taskIds?: string[]; dryRun?: boolean } = {}): Promise<ReapplySummary> {
  const store = new FailedTaskStore(ctx.dataSource);
  const rows = await store.unresolved(GENERATION_TASK_NAMES, { taskIds: opts.taskIds });
  const summary: ReapplySummary = { reapplied: [], invalid: [] };
  const requests: Array<{ row: FailedTask; request: JobRequest }> = [];
  for (const row of rows) {
    const built = requestOf(row, ctx.config.generation);
    if (typeof built === "string") summary.invalid.push({ taskId: row.taskId, reason: built });
    else requests.push({ row, request: built });
  }
  if (!opts.dryRun && requests.length > 0) {
    await enqueueGenerations(ctx.queues, requests.map((r) => r.request));
    await store.resolve(requests.map((r) => r.row.id));
  }
  summary.reapplied = requests.map((r) => r.request.jobId);
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
