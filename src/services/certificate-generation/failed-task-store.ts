import type { DataSource } from "typeorm";
import { affectedRows } from "../../db/affected-rows";
import { FailedTask } from "../../entities/worker";
import { JobName, QueueName, jobIds, type JobPayloads } from "../../queues/registry";

export interface FailedJob {
  queue: string;
  taskName: string;
  taskId: string;
  data: unknown;
  error: Error;
  attemptsMade: number;
}

/**
 * The failed-task rows a generation job's final failure stands for, as its final-failure handler writes them: its
 * own row, or for a generate-certificates chunk one per learner it still held, each under that learner's own
 * generate-certificate job name, id and payload (so reapply and the sweeper re-enqueue single-learner jobs).
 */
export function failedTaskRecordsOf(job: { id?: string; name: string; data: unknown; attemptsMade: number }, error: Error): FailedJob[] {
  if (job.name === JobName.GenerateCertificates) {
    const { courseKey, userIds } = (job.data ?? {}) as Partial<JobPayloads[JobName.GenerateCertificates]>;
    // A malformed chunk failed at the boundary and records nothing.
    if (typeof courseKey !== "string" || !Array.isArray(userIds)) return [];
    return userIds.map((userId) => learnerFailure(courseKey, userId, error, job.attemptsMade));
  }
  return job.id ? [{ queue: QueueName.CertificateGeneration, taskName: job.name, taskId: job.id, data: job.data, error, attemptsMade: job.attemptsMade }] : [];
}

/** One learner's failure, recorded exactly as its own generate-certificate job's would be. */
export function learnerFailure(courseKey: string, userId: number, error: Error, attemptsMade: number): FailedJob {
  return { queue: QueueName.CertificateGeneration, taskName: JobName.GenerateCertificate, taskId: jobIds.generateCertificate(userId, courseKey), data: { userId, courseKey }, error, attemptsMade };
}

/** celery_utils' FailedTask.exc is a varchar(255). */
const EXC_LENGTH = 255;

/**
 * Jobs that failed for good, kept like celery_utils' LoggedPersistOnFailureTask keeps FailedTask rows: one
 * unresolved row per task id (a repeated failure refreshes it), resolved when re-enqueued.
 */
export class FailedTaskStore {
  constructor(private readonly ds: DataSource) {}

  async record(job: FailedJob, now = new Date()): Promise<void> {
    const exc = `${job.error.name}: ${job.error.message}`.slice(0, EXC_LENGTH);
    const kwargs = JSON.stringify(job.data ?? {});
    const updated = await this.ds.query(
      `UPDATE openedx_workers_failed_task SET exc = ?, kwargs = ?, attempts_made = ?, modified = ?
        WHERE task_id = ? AND task_name = ? AND datetime_resolved IS NULL`,
      [exc, kwargs, job.attemptsMade, now, job.taskId, job.taskName],
    );
    if (affectedRows(updated) > 0) return;
    await this.ds.query(
      `INSERT INTO openedx_workers_failed_task (created, modified, queue, task_name, task_id, args, kwargs, exc, attempts_made, datetime_resolved)
       VALUES (?, ?, ?, ?, ?, '[]', ?, ?, ?, NULL)`,
      [now, now, job.queue, job.taskName, job.taskId, kwargs, exc, job.attemptsMade],
    );
  }

  /**
   * Of these task ids, the ones whose failure at `failedAt` has a row: an unresolved one, or one resolved (reapplied,
   * found completed) at or after that time.
   */
  async recordedSince(taskIds: string[], failedAt: Map<string, Date>): Promise<Set<string>> {
    if (taskIds.length === 0) return new Set();
    const rows: Array<{ task_id: string; datetime_resolved: Date | null }> = await this.ds.query(
      "SELECT task_id, datetime_resolved FROM openedx_workers_failed_task WHERE task_id IN (?)",
      [taskIds],
    );
    return new Set(rows.filter((r) => r.datetime_resolved === null || r.datetime_resolved >= (failedAt.get(r.task_id) ?? new Date(0))).map((r) => r.task_id));
  }

  /** The highest row id (undefined for an empty table): where a run over the rows that exist now stops. */
  async newestId(): Promise<string | undefined> {
    const [row]: Array<{ id: string | number | null }> = await this.ds.query("SELECT MAX(id) AS id FROM openedx_workers_failed_task");
    return row?.id === null || row?.id === undefined ? undefined : String(row.id);
  }

  /** Unresolved rows of these task names, oldest first; `afterId` / `upToId` bound a keyset page. */
  async unresolved(taskNames: string[], opts: { taskIds?: string[]; limit?: number; afterId?: string; upToId?: string } = {}): Promise<FailedTask[]> {
    const qb = this.ds
      .getRepository(FailedTask)
      .createQueryBuilder("t")
      .where("t.datetime_resolved IS NULL")
      .andWhere("t.task_name IN (:...taskNames)", { taskNames })
      .orderBy("t.id");
    if (opts.taskIds?.length) qb.andWhere("t.task_id IN (:...taskIds)", { taskIds: opts.taskIds });
    if (opts.afterId !== undefined) qb.andWhere("t.id > :afterId", { afterId: opts.afterId });
    if (opts.upToId !== undefined) qb.andWhere("t.id <= :upToId", { upToId: opts.upToId });
    if (opts.limit) qb.limit(opts.limit);
    return qb.getMany();
  }

  /** Rows of these task names, newest first: unresolved ones only unless `includeResolved` (the console's list). */
  async recent(taskNames: string[], opts: { includeResolved?: boolean; limit: number }): Promise<{ rows: FailedTask[]; total: number }> {
    const qb = this.ds.getRepository(FailedTask).createQueryBuilder("t").where("t.task_name IN (:...taskNames)", { taskNames });
    if (!opts.includeResolved) qb.andWhere("t.datetime_resolved IS NULL");
    const [rows, total] = await qb.orderBy("t.id", "DESC").take(opts.limit).getManyAndCount();
    return { rows, total };
  }

  /** How many rows of these task names are unresolved (the console's home page). */
  async countUnresolved(taskNames: string[]): Promise<number> {
    return this.ds.getRepository(FailedTask).createQueryBuilder("t").where("t.datetime_resolved IS NULL").andWhere("t.task_name IN (:...taskNames)", { taskNames }).getCount();
  }

  async byId(id: string): Promise<FailedTask | null> {
    return this.ds.getRepository(FailedTask).findOneBy({ id });
  }

  /**
   * Marks rows resolved unless something else already did; returns how many this call resolved. `modified` is left
   * alone: it is the time of the (last) failure, which the console and the sweeper read, and datetime_resolved
   * records the resolution (celery_utils' reapply saves the row and so moves `modified`; the failure time is kept
   * here on purpose).
   */
  async resolve(ids: string[], now = new Date()): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.ds.query(
      `UPDATE openedx_workers_failed_task SET datetime_resolved = ? WHERE id IN (?) AND datetime_resolved IS NULL`,
      [now, ids],
    );
    return affectedRows(result);
  }
}
