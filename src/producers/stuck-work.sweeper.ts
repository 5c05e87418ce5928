import type { AppContext } from "../app/app-context";
import { PurgeReferencesToPdfCertificatesCommandConfiguration } from "../entities/lms";
import { QueueName } from "../queues/registry";
import { FailedTaskStore } from "../services/certificate-generation/failed-task-store";
import { GENERATION_TASK_NAMES, reapplyFailedGeneration } from "./certificate-generation-reapply.producer";
import { certificatesWithPurgeJobs, enqueuePurges, selectCertificates } from "./pdf-certificate-purge.producer";
import { enqueueRetirements } from "./retirement-queue.producer";

export interface SweepCounts {
  /** Rows whose state says the work is unfinished and that have not changed for the threshold. */
  stale: number;
  /** Of those, re-enqueued because no waiting, delayed or active job held them. */
  reenqueued: number;
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
   * Certificate generation whose failure is recorded (an unresolved failed-task row, older than the threshold) but
   * whose job is gone from Redis altogether: reapplied as reapply-failed-generation does. Failures still visible in
   * the queue's failed set are left to the operator (retry them with reapply-failed-generation).
   */
  async generation(stuckAfterMinutes: number): Promise<SweepCounts> {
    const cutoff = new Date(Date.now() - stuckAfterMinutes * 60_000);
    const rows = (await new FailedTaskStore(this.ctx.dataSource).unresolved(GENERATION_TASK_NAMES, { limit: SWEEP_LIMIT })).filter((r) => r.modified < cutoff);
    if (rows.length === 0) return { stale: 0, reenqueued: 0 };
    const present = await this.ctx.queues.presentJobIds(QueueName.CertificateGeneration, rows.map((r) => r.taskId));
    const lost = rows.filter((r) => !present.has(r.taskId)).map((r) => r.taskId);
    const summary = lost.length === 0 ? { reapplied: [] } : await reapplyFailedGeneration(this.ctx, { taskIds: lost });
    return { stale: rows.length, reenqueued: summary.reapplied.length };
  }

  /**
   * The purge the operator asked for in the newest enabled PurgeReferencesToPDFCertificatesCommandConfiguration
   * row (older than the threshold): its certificates that still have PDF links and no purge job at all in Redis.
   * A failed purge job (e.g. a refused link) stays failed for the operator; it is not retried here.
   */
  async purges(stuckAfterMinutes: number): Promise<SweepCounts> {
    const row = await this.ctx.dataSource
      .getRepository(PurgeReferencesToPdfCertificatesCommandConfiguration)
      .createQueryBuilder("c")
      .orderBy("c.change_date", "DESC")
      .addOrderBy("c.id", "DESC")
      .getOne();
    if (!row?.enabled || row.changeDate > new Date(Date.now() - stuckAfterMinutes * 60_000)) return { stale: 0, reenqueued: 0 };
    const ids = certificateIdsOf(row.arguments).slice(0, SWEEP_LIMIT);
    if (ids.length === 0) return { stale: 0, reenqueued: 0 };
    const { toPurge } = await selectCertificates(this.ctx.dataSource, ids);
    if (toPurge.length === 0) return { stale: 0, reenqueued: 0 };
    const covered = await certificatesWithPurgeJobs(this.ctx.queues, toPurge);
    const lost = toPurge.filter((id) => !covered.has(id));
    return { stale: toPurge.length, reenqueued: lost.length === 0 ? 0 : (await enqueuePurges(this.ctx.queues, lost)).certificates };
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
