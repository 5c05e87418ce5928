import type { Job } from "bullmq";
import type { AppContext } from "../app/app-context";
import { entityTableAvailable } from "../db/lms-schema/lms-schema-inspector";
import { PurgeReferencesToPdfCertificatesCommandConfiguration } from "../entities/lms";
import { attemptsExhausted } from "../queues/job-options";
import { checkJob } from "../queues/payload-schemas";
import { JobName, QueueName } from "../queues/registry";
import { FailedTaskStore, failedTaskRecordsOf } from "../services/certificate-generation/failed-task-store";
import { stallSettings } from "../queues/queue-settings";
import { GENERATION_TASK_NAMES, reapplyFailedGeneration } from "./certificate-generation-reapply.producer";
import { enqueuePurges, purgeJobsOf, selectCertificates } from "./pdf-certificate-purge.producer";
import { enqueueRetirements } from "./retirement-queue.producer";

export interface SweepCounts {
  /** Rows whose state says the work is unfinished and that have not changed for the threshold. */
  stale: number;
  /** Of those, re-enqueued: no job carried them, or their job failed for a reason a new run can fix. */
  reenqueued: number;
  /** Of those, left for the operator: their job was refused for good (a permanent error), which a re-run would repeat. */
  refused?: number;
  /** Of those, generation failures whose job has completed since (re-run by other means): their rows are resolved. */
  resolved?: number;
  /** Generation jobs failed for good whose failed-task rows were missing (their writing failed): written now. */
  recorded?: number;
}

/**
 * What a job's state says about its work: still `live` (waiting, delayed, active…), `completed`, failed for a reason
 * a new run can fix (`retryable`: it stalled more than maxStalledCount, its worker died each time, or it used every
 * attempt against an outage), or `refused` (failed on a permanent error before its attempts ran out).
 */
/** The generation jobs whose final failure writes failed-task rows (their definitions' onFinalFailure). */
const RECORDED_JOBS = new Set<string>([JobName.GenerateCertificate, JobName.GenerateCertificates, JobName.GenerateCertificatesFromDatabase]);

/** A failed job's reason as an error, for its row (the original error object is gone with the worker that had it). */
function failureOf(job: Job): Error {
  const error = new Error(job.failedReason || "failed");
  error.name = "FailedJob";
  return error;
}

/** How many of a sweep's unfinished rows a live job still carries. */
export function liveCount(c: SweepCounts): number {
  return c.stale - c.reenqueued - (c.refused ?? 0) - (c.resolved ?? 0);
}

/** One line of counts, for the CLI and the sweep's log. */
export function describeSweep(what: string, c: SweepCounts): string {
  const extra = [
    c.refused ? `${c.refused} refused for good (left for the operator)` : "",
    c.resolved ? `${c.resolved} completed since (resolved)` : "",
    c.recorded ? `${c.recorded} failed-task row(s) that were missing written` : "",
  ].filter(Boolean);
  return [`${what}: ${c.stale} unfinished, ${c.reenqueued} re-enqueued, ${liveCount(c)} with a live job`, ...extra].join(", ");
}

type JobVerdict = "live" | "completed" | "retryable" | "refused";

async function verdictOf(job: Job, maxStalledCount: number): Promise<JobVerdict | undefined> {
  const state = await job.getState();
  if (state === "unknown") return undefined;
  if (state === "completed") return "completed";
  if (state !== "failed") return "live";
  return job.stalledCounter > maxStalledCount || attemptsExhausted(job, job.attemptsMade) ? "retryable" : "refused";
}

/** How many learners, certificates or tasks one sweep looks at, so a huge backlog is swept over several runs. */
const SWEEP_LIMIT = 1000;

/**
 * The nightly-check job of immich's job system, for this service: work whose database rows say it is unfinished
 * while no job is carrying it (the job was deleted from Redis, evicted, or died outside the processor) is enqueued
 * again. Every enqueue is idempotent by job id, and the processors are safe to run twice.
 */
export class StuckWorkSweeper {
  constructor(private readonly ctx: AppContext) {}

  /**
   * Learners in a working (`RETIRING_x`) or END (`x_COMPLETE`) state of the pipeline, unchanged for the threshold:
   * their job is re-enqueued unless one is waiting, delayed or active (a finished job under the id is replaced, as
   * retire-learners does). The engine resumes them from where they are.
   */
  async learners(stuckAfterMinutes: number): Promise<SweepCounts> {
    const pipeline = this.ctx.config.retirement.pipeline;
    const states = pipeline.flatMap((step) => [step.startState, step.endState]);
    const rows: Array<{ user_id: number }> = await this.ctx.dataSource.query(
      `SELECT s.user_id FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id
       WHERE r.state_name IN (?) AND s.modified < UTC_TIMESTAMP(6) - INTERVAL ? MINUTE ORDER BY s.modified LIMIT ?`,
      [states, stuckAfterMinutes, SWEEP_LIMIT],
    );
    const userIds = rows.map((r) => Number(r.user_id));
    const reenqueued = userIds.length === 0 ? 0 : await enqueueRetirements(this.ctx.queues, userIds);
    return { stale: userIds.length, reenqueued };
  }

  /**
   * Certificate generation whose failure is recorded (an unresolved failed-task row, older than the threshold):
   * reapplied, as reapply-failed-generation does, when its job is gone from Redis or failed for a reason a new run
   * can fix (stalled out, attempts used up); a row whose job completed since is resolved; a job refused for good
   * (a permanent error) is left to the operator, as is a row whose job is live. A learner that failed inside a
   * generate-certificates chunk has a row under its own generate-certificate id, which no job holds: it is
   * reapplied as a single-learner job (one refused for good fails again at once, and is then left as refused).
   */
  async generation(stuckAfterMinutes: number): Promise<SweepCounts> {
    const cutoff = new Date(Date.now() - stuckAfterMinutes * 60_000);
    const recorded = await this.writeMissingFailureRows(cutoff);
    const rows = (await new FailedTaskStore(this.ctx.dataSource).unresolved(GENERATION_TASK_NAMES, { limit: SWEEP_LIMIT })).filter((r) => r.modified < cutoff);
    const counts = { stale: rows.length, reenqueued: 0, refused: 0, resolved: 0, ...(recorded > 0 ? { recorded } : {}) };
    if (rows.length === 0) return counts;
    const queue = this.ctx.queues.queue(QueueName.CertificateGeneration);
    const maxStalled = this.maxStalledCount(QueueName.CertificateGeneration);
    const rerun: string[] = [];
    const done: string[] = [];
    for (const row of rows) {
      const job = await queue.getJob(row.taskId);
      const verdict = job ? await verdictOf(job, maxStalled) : undefined;
      if (verdict === undefined || verdict === "retryable") rerun.push(row.taskId);
      else if (verdict === "completed") done.push(row.id);
      else if (verdict === "refused") counts.refused++;
    }
    if (rerun.length > 0) counts.reenqueued = (await reapplyFailedGeneration(this.ctx, { taskIds: rerun })).reapplied;
    counts.resolved = await new FailedTaskStore(this.ctx.dataSource).resolve(done);
    return counts;
  }

  /**
   * The purge the operator asked for in the newest enabled PurgeReferencesToPDFCertificatesCommandConfiguration
   * row (older than the threshold): its certificates that still have PDF links are enqueued again when no purge job
   * names them, when theirs completed (the links came back), or when it failed for a reason a new run can fix
   * (stalled out, attempts used up against an outage). A purge refused for good (a hostile link) is left to the
   * operator, as is a live job.
   */
  async purges(stuckAfterMinutes: number): Promise<SweepCounts> {
    const none = { stale: 0, reenqueued: 0, refused: 0 };
    // An LMS before Teak has no such table: no stored purge, nothing to sweep.
    if (!(await entityTableAvailable(this.ctx.dataSource, PurgeReferencesToPdfCertificatesCommandConfiguration))) return none;
    const row = await this.ctx.dataSource
      .getRepository(PurgeReferencesToPdfCertificatesCommandConfiguration)
      .createQueryBuilder("c")
      .orderBy("c.change_date", "DESC")
      .addOrderBy("c.id", "DESC")
      .getOne();
    if (!row?.enabled || row.changeDate > new Date(Date.now() - stuckAfterMinutes * 60_000)) return none;
    const ids = certificateIdsOf(row.arguments).slice(0, SWEEP_LIMIT);
    if (ids.length === 0) return none;
    const { toPurge } = await selectCertificates(this.ctx.dataSource, ids);
    if (toPurge.length === 0) return none;
    const jobs = await purgeJobsOf(this.ctx.queues, toPurge);
    const maxStalled = this.maxStalledCount(QueueName.CertificatePurge);
    const lost: number[] = [];
    let refused = 0;
    for (const id of toPurge) {
      const verdicts = await Promise.all((jobs.get(id) ?? []).map((job) => verdictOf(job, maxStalled)));
      if (verdicts.includes("live")) continue;
      if (verdicts.includes("refused")) refused++;
      else lost.push(id);
    }
    return { stale: toPurge.length, reenqueued: lost.length === 0 ? 0 : (await enqueuePurges(this.ctx.queues, lost)).certificates, refused };
  }

  /**
   * The generation jobs that failed for good before `cutoff` (the newest SWEEP_LIMIT of the queue's failed set) whose
   * failed-task rows are missing, because the final-failure handler could not write them (the database refused, the
   * process died in between): written now from the failed job, with its reason. A failure counts as recorded when
   * its task id has an unresolved row, or one resolved at or after the failure.
   */
  private async writeMissingFailureRows(cutoff: Date): Promise<number> {
    const queue = this.ctx.queues.queue(QueueName.CertificateGeneration);
    const failed = (await queue.getJobs(["failed"], 0, SWEEP_LIMIT - 1, false)).filter(
      (job): job is Job => Boolean(job?.finishedOn && job.finishedOn < cutoff.getTime() && RECORDED_JOBS.has(job.name) && checkJob(QueueName.CertificateGeneration, job.name, job.data).ok),
    );
    const rows = failed.flatMap((job) => failedTaskRecordsOf(job, failureOf(job)).map((row) => ({ row, failedAt: new Date(job.finishedOn!) })));
    if (rows.length === 0) return 0;
    const store = new FailedTaskStore(this.ctx.dataSource);
    const present = await store.recordedSince(rows.map((r) => r.row.taskId), new Map(rows.map((r) => [r.row.taskId, r.failedAt])));
    const missing = rows.filter((r) => !present.has(r.row.taskId));
    for (const { row } of missing) await store.record(row);
    if (missing.length > 0) this.ctx.logger.warn("stuck-work sweep: failed generation jobs without a failed-task row recorded", { taskIds: missing.map((r) => r.row.taskId) });
    return missing.length;
  }

  private maxStalledCount(queue: QueueName): number {
    return stallSettings(queue, this.ctx.config.resilience.stall).maxStalledCount;
  }
}

/** The certificate ids of upstream's stored `--certificate_ids 1 2 3` arguments (the command's only selection). */
export function certificateIdsOf(args: string): number[] {
  const tokens = args.trim().split(/\s+/);
  const ids: number[] = [];
  let inList = false;
  for (const token of tokens) {
    if (token.startsWith("-")) inList = token === "--certificate_ids" || token === "--certificate-ids";
    else if (inList && /^\d+$/.test(token)) ids.push(Number(token));
  }
  return ids;
}
