import { gunzipSync, gzipSync } from "node:zlib";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DataSource } from "typeorm";
import { archiveObjectKey, archiveText, archiveWindow, athenaDate, type ArchiveWindow, type ArchivedRetirement } from "../../domain/retirement/retirement-archive";
import { RequestRefusedError } from "../../errors/request-refused-error";
import { describeS3Error } from "../../storage/s3-error";
import { TransientJobError } from "../../errors/transient-job-error";
import { affectedRows } from "../../db/affected-rows";
import type { Logger } from "../../logging/logger";

/** upstream retirement_cleanup (PR #37886): every original_* column becomes this before the row is deleted. */
const REDACTED = "redacted";

interface ArchiveOptions {
  coolOffDays: number;
  batchSize: number;
  dryRun: boolean;
  /** upstream's --start_date / --end_date (days, midnight UTC); see archiveWindow. */
  startDate?: Date;
  endDate?: Date;
  now?: Date;
}

interface ArchiveBatch {
  objectKey: string;
  userIds: number[];
  /** Status rows redacted and deleted (0 in a dry run). */
  deleted: number;
  /** A batch left unfinished by an earlier run (crash or failed upload), finished now under its original key. */
  resumed: boolean;
}

interface ArchiveOutcome {
  /** Exclusive upper bound of `created`. */
  cutoff: Date;
  /** Inclusive lower bound of `created`, when one was given. */
  start?: Date;
  batches: ArchiveBatch[];
}

interface PendingBatch {
  id: number;
  objectKey: string;
  statusIds: number[];
}

/**
 * upstream's archive-and-cleanup, done against the LMS database: COMPLETE learners whose request is past the
 * cool-off are written to RETIREMENT_ARCHIVE_BUCKET as gzip JSON lines, the object is read back and compared, and
 * only then are their status rows redacted (`redacted`) and deleted, in one transaction with the batch's bookkeeping.
 *
 * Exactly-once: a batch row (ids only) is recorded before the upload; a run finds unfinished batches first and
 * re-uploads them under the same object name, then deletes. A failed upload or verification deletes nothing.
 */
export class RetirementArchiver {
  constructor(
    private readonly ds: DataSource,
    private readonly s3: S3Client,
    private readonly bucket: string | undefined,
    private readonly logger: Logger,
  ) {}

  async run(opts: ArchiveOptions): Promise<ArchiveOutcome> {
    const now = opts.now ?? new Date();
    const window = archiveWindow(now, opts.coolOffDays, opts.startDate, opts.endDate);
    const cutoff = window.endExclusive;
    const completeId = await this.completeStateId();
    if (opts.dryRun) return { cutoff, start: window.start, batches: await this.plan(completeId, window, opts.batchSize, now) };
    const bucket = this.bucket;
    if (!bucket) throw new RequestRefusedError("RETIREMENT_ARCHIVE_BUCKET is not set: archive-retirements has nowhere to write the archive");

    const batches: ArchiveBatch[] = [];
    for (const pending of await this.pendingBatches()) batches.push(await this.finish(bucket, pending, completeId, true));
    for (;;) {
      const rows = await this.dueStatusRows(completeId, window, opts.batchSize);
      if (rows.length === 0) break;
      const pending = await this.recordBatch(bucket, rows, now);
      batches.push(await this.finish(bucket, pending, completeId, false));
    }
    return { cutoff, start: window.start, batches };
  }

  /** The dry run: the batches that would be written, with user ids only. Touches nothing. */
  private async plan(completeId: number, window: ArchiveWindow, batchSize: number, now: Date): Promise<ArchiveBatch[]> {
    const [where, params] = windowCondition(completeId, window);
    const rows: Array<{ user_id: number }> = await this.ds.query(`SELECT user_id FROM user_api_userretirementstatus WHERE ${where} ORDER BY id`, params);
    const batches: ArchiveBatch[] = [];
    for (let i = 0; i < rows.length; i += batchSize) {
      const at = new Date(now.getTime() + batches.length * 1000);
      batches.push({ objectKey: archiveObjectKey(at), userIds: rows.slice(i, i + batchSize).map((r) => Number(r.user_id)), deleted: 0, resumed: false });
    }
    return batches;
  }

  private async completeStateId(): Promise<number> {
    const [row] = await this.ds.query("SELECT id FROM user_api_retirementstate WHERE state_name = 'COMPLETE'");
    if (!row) throw new RequestRefusedError("user_api_retirementstate has no COMPLETE state: run populate-retirement-states first");
    return Number(row.id);
  }

  private async pendingBatches(): Promise<PendingBatch[]> {
    const rows: Array<{ id: number; object_key: string; status_ids: string }> = await this.ds.query(
      "SELECT id, object_key, status_ids FROM openedx_workers_retirement_archive WHERE cleaned_at IS NULL ORDER BY id",
    );
    return rows.map((r) => ({ id: Number(r.id), objectKey: r.object_key, statusIds: JSON.parse(r.status_ids) as number[] }));
  }

  private async dueStatusRows(completeId: number, window: ArchiveWindow, limit: number): Promise<Array<{ id: number; user_id: number }>> {
    const [where, params] = windowCondition(completeId, window);
    return this.ds.query(`SELECT id, user_id FROM user_api_userretirementstatus WHERE ${where} ORDER BY id LIMIT ?`, [...params, limit]);
  }

  /** Records the batch before its upload, under a key no other batch has (upstream's names have 1 s resolution). */
  private async recordBatch(bucket: string, rows: Array<{ id: number; user_id: number }>, now: Date): Promise<PendingBatch> {
    const statusIds = rows.map((r) => Number(r.id));
    for (let offset = 0; ; offset++) {
      const objectKey = archiveObjectKey(new Date(now.getTime() + offset * 1000));
      const result = await this.ds.query(
        "INSERT IGNORE INTO openedx_workers_retirement_archive (bucket, object_key, status_ids, user_ids) VALUES (?, ?, ?, ?)",
        [bucket, objectKey, JSON.stringify(statusIds), JSON.stringify(rows.map((r) => Number(r.user_id)))],
      );
      if (affectedRows(result) === 1) return { id: Number(result.insertId), objectKey, statusIds };
    }
  }

  /** Upload, read back and compare, then redact + delete + mark cleaned in one transaction. */
  private async finish(bucket: string, batch: PendingBatch, completeId: number, resumed: boolean): Promise<ArchiveBatch> {
    const learners = await this.readLearners(batch.statusIds, completeId);
    const userIds = learners.map((l) => l.userId);
    if (learners.length > 0) {
      const text = archiveText(learners);
      await this.upload(bucket, batch.objectKey, text);
      await this.ds.query("UPDATE openedx_workers_retirement_archive SET uploaded_at = UTC_TIMESTAMP(6), bucket = ? WHERE id = ?", [bucket, batch.id]);
    }
    const deleted = await this.ds.transaction(async (em) => {
      let n = 0;
      if (learners.length > 0) {
        const ids = learners.map((l) => l.statusId);
        // Redact first, then delete: a replication tool that turns deletes into soft deletes keeps no PII.
        await em.query(
          "UPDATE user_api_userretirementstatus SET original_username = ?, original_email = ?, original_name = ? WHERE id IN (?) AND current_state_id = ?",
          [REDACTED, REDACTED, REDACTED, ids, completeId],
        );
        const result = await em.query("DELETE FROM user_api_userretirementstatus WHERE id IN (?) AND current_state_id = ?", [ids, completeId]);
        n = affectedRows(result);
      }
      await em.query("UPDATE openedx_workers_retirement_archive SET cleaned_at = UTC_TIMESTAMP(6), rows_deleted = ? WHERE id = ? AND cleaned_at IS NULL", [n, batch.id]);
      return n;
    });
    this.logger.info("retirement archive written and status rows deleted", { objectKey: batch.objectKey, learners: userIds.length, deleted, resumed });
    return { objectKey: batch.objectKey, userIds, deleted, resumed };
  }

  /** The batch's rows still COMPLETE, in id order, with exact microseconds for the archive's dates. */
  private async readLearners(statusIds: number[], completeId: number): Promise<Array<ArchivedRetirement & { statusId: number }>> {
    if (statusIds.length === 0) return [];
    const rows: Array<Record<string, string | number>> = await this.ds.query(
      `SELECT id, user_id, original_username, original_email, original_name, retired_username, retired_email,
              DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f') AS created, DATE_FORMAT(modified, '%Y-%m-%d %H:%i:%s.%f') AS modified
       FROM user_api_userretirementstatus WHERE id IN (?) AND current_state_id = ? ORDER BY id`,
      [statusIds, completeId],
    );
    return rows.map((r) => ({
      statusId: Number(r.id),
      userId: Number(r.user_id),
      originalUsername: String(r.original_username),
      originalEmail: String(r.original_email),
      originalName: String(r.original_name),
      retiredUsername: String(r.retired_username),
      retiredEmail: String(r.retired_email),
      retirementRequestDate: athenaDate(String(r.created)),
      lastModifiedDate: athenaDate(String(r.modified)),
    }));
  }

  private async upload(bucket: string, key: string, text: string): Promise<void> {
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(Buffer.from(text, "utf8")), ContentType: "application/gzip" }));
      const got = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const back = gunzipSync(Buffer.from(await got.Body!.transformToByteArray())).toString("utf8");
      if (back !== text) throw new Error("the object read back differs from what was written");
    } catch (err) {
      throw new TransientJobError(`archive ${bucket}/${key} could not be written and verified (nothing was deleted): ${describeS3Error(err)}`, { cause: err });
    }
  }
}

/** COMPLETE status rows inside the window (the LMS's retirements_by_status_and_date filter). */
function windowCondition(completeId: number, window: ArchiveWindow): [string, unknown[]] {
  return window.start
    ? ["current_state_id = ? AND created >= ? AND created < ?", [completeId, window.start, window.endExclusive]]
    : ["current_state_id = ? AND created < ?", [completeId, window.endExclusive]];
}
