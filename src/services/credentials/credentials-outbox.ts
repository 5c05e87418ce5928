import type { DataSource, EntityManager } from "typeorm";
import { affectedRows } from "../../db/affected-rows";

export const CREDENTIALS_OUTBOX_TABLE = "openedx_workers_credentials_outbox";

/** A (learner, course run) whose certificate changed, and how many changes are recorded for it. */
export interface PendingCredential {
  userId: number;
  courseKey: string;
  changes: number;
}

interface Row {
  user_id: number;
  course_id: string;
  changes: number;
}

const toPending = (r: Row): PendingCredential => ({ userId: Number(r.user_id), courseKey: r.course_id, changes: Number(r.changes) });

/**
 * The changes Credentials has yet to hear about (openedx_workers_credentials_outbox): recorded in the transaction
 * of each certificate change, turned into one award-course-certificate job per (learner, course run), and removed
 * by that job once Credentials has the certificate as it is, unless another change came meanwhile.
 */
export class CredentialsOutbox {
  constructor(private readonly ds: DataSource) {}

  /** Inside the change's transaction: one row per certificate's (learner, course run), counting this change. */
  static async record(m: EntityManager, certificateIds: readonly number[]): Promise<void> {
    if (certificateIds.length === 0) return;
    await m.query(
      `INSERT INTO ${CREDENTIALS_OUTBOX_TABLE} (user_id, course_id, changes, first_changed_at, last_changed_at)
       SELECT user_id, course_id, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) FROM certificates_generatedcertificate WHERE id IN (?) ORDER BY id
       ON DUPLICATE KEY UPDATE changes = changes + 1, last_changed_at = VALUES(last_changed_at)`,
      [certificateIds],
    );
  }

  /** Rows with changes no job was enqueued for yet, oldest change first. */
  async unenqueued(limit: number): Promise<PendingCredential[]> {
    const rows: Row[] = await this.ds.query(
      `SELECT user_id, course_id, changes FROM ${CREDENTIALS_OUTBOX_TABLE}
        WHERE enqueued_changes IS NULL OR enqueued_changes <> changes ORDER BY last_changed_at LIMIT ?`,
      [limit],
    );
    return rows.map(toPending);
  }

  /** How many rows have changes no job was enqueued for yet (what a drain still has to do). */
  async unenqueuedCount(): Promise<number> {
    const [{ n }] = await this.ds.query(`SELECT COUNT(*) AS n FROM ${CREDENTIALS_OUTBOX_TABLE} WHERE enqueued_changes IS NULL OR enqueued_changes <> changes`);
    return Number(n);
  }

  /** Rows whose job was enqueued (or last seen present) before `before`: their job should still exist. */
  async enqueuedBefore(before: Date, limit: number): Promise<PendingCredential[]> {
    const rows: Row[] = await this.ds.query(
      `SELECT user_id, course_id, changes FROM ${CREDENTIALS_OUTBOX_TABLE}
        WHERE enqueued_changes = changes AND enqueued_at < ? ORDER BY enqueued_at LIMIT ?`,
      [before, limit],
    );
    return rows.map(toPending);
  }

  /** Notes that a job carries these rows' changes (compare-and-set: a row changed since it was read stays to do). */
  async markEnqueued(rows: readonly PendingCredential[], at = new Date()): Promise<void> {
    for (const r of rows) {
      await this.ds.query(
        `UPDATE ${CREDENTIALS_OUTBOX_TABLE} SET enqueued_changes = changes, enqueued_at = ? WHERE user_id = ? AND course_id = ? AND changes = ?`,
        [at, r.userId, r.courseKey, r.changes],
      );
    }
  }

  /** The changes recorded for a (learner, course run), or undefined when Credentials is up to date. */
  async pending(userId: number, courseKey: string): Promise<number | undefined> {
    const rows: Row[] = await this.ds.query(`SELECT user_id, course_id, changes FROM ${CREDENTIALS_OUTBOX_TABLE} WHERE user_id = ? AND course_id = ?`, [userId, courseKey]);
    return rows[0] ? Number(rows[0].changes) : undefined;
  }

  /** Removes the row if it still counts `changes` (nothing changed since it was read); true when removed. */
  async finish(userId: number, courseKey: string, changes: number): Promise<boolean> {
    const result = await this.ds.query(`DELETE FROM ${CREDENTIALS_OUTBOX_TABLE} WHERE user_id = ? AND course_id = ? AND changes = ?`, [userId, courseKey, changes]);
    return affectedRows(result) === 1;
  }
}
