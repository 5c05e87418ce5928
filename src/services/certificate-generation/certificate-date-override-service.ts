import type { DataSource, EntityManager } from "typeorm";
import { DATE_OVERRIDE_HISTORY } from "../../db/lms-schema/families/generation";
import { lmsSchemaOf } from "../../db/lms-schema/lms-schema-inspector";
import { PermanentJobError } from "../../errors/permanent-job-error";
import type { CertificateChangeRecorder } from "../../app/certificate-change";

const COLUMNS = "id, created, modified, date, reason, generated_certificate_id, overridden_by_id";

interface DateOverrideRequest {
  certificateId: number;
  date: Date;
  reason: string;
  /** The person making the change: always recorded as overridden_by and history_user, whatever else is given. */
  actingUserId: number;
}

const CERTIFICATE_COLUMNS = "id, user_id, course_id, status, mode, grade, created_date, modified_date";

export interface CertificateSummary {
  id: number;
  user_id: number;
  course_id: string;
  status: string;
  mode: string;
  grade: string;
  created_date: Date;
  modified_date: Date;
}

interface OverrideRow {
  id: number;
  created: Date;
  modified: Date;
  date: Date;
  reason: string;
  generated_certificate_id: number;
  overridden_by_id: number;
}

interface OverrideHistoryRow extends OverrideRow {
  history_id: number;
  history_date: Date;
  history_type: "+" | "~" | "-";
  history_user_id: number | null;
}

type DateOverrideResult = { action: "created" | "updated"; overrideId: number } | { action: "cleared"; overrideId: number } | { action: "none" };

/**
 * CertificateDateOverride as edx-platform's admin handles it: one override per certificate (set = create or
 * edit), `overridden_by` always the acting user, clearing deletes the row; every change leaves a
 * django-simple-history row ('+', '~', '-') with the acting user as history_user. Each change is one short
 * transaction holding the override row's lock only while it writes.
 */
export class CertificateDateOverrideService {
  constructor(
    private readonly ds: DataSource,
    private readonly events: CertificateChangeRecorder,
  ) {}

  async set(req: DateOverrideRequest, now = new Date()): Promise<DateOverrideResult> {
    if (!(req.date instanceof Date) || Number.isNaN(req.date.getTime())) throw new PermanentJobError("the override date is not a valid date");
    if (typeof req.reason !== "string" || req.reason.trim() === "") throw new PermanentJobError("a reason is required");
    return this.ds.transaction(async (m) => {
      await this.requireRows(m, req.certificateId, req.actingUserId);
      const existing = await this.lockOverride(m, req.certificateId);
      let id: number;
      if (existing) {
        await m.query(`UPDATE certificates_certificatedateoverride SET date = ?, reason = ?, overridden_by_id = ?, modified = ? WHERE id = ?`, [req.date, req.reason, req.actingUserId, now, existing.id]);
        id = existing.id;
      } else {
        const result = await m.query(
          `INSERT INTO certificates_certificatedateoverride (created, modified, date, reason, generated_certificate_id, overridden_by_id) VALUES (?, ?, ?, ?, ?, ?)`,
          [now, now, req.date, req.reason, req.certificateId, req.actingUserId],
        );
        id = Number((result as { insertId: number }).insertId);
      }
      await this.history(m, id, existing ? "~" : "+", now, req.actingUserId);
      // Upstream sends COURSE_CERT_CHANGED after an override is saved or deleted (on commit): on the bus a changed
      // event, and award_course_certificate sends the certificate with its new date_override to Credentials.
      await this.events.record(m, { certificateId: req.certificateId, change: "date-override" });
      return { action: existing ? "updated" : "created", overrideId: id };
    });
  }

  async clear(req: { certificateId: number; actingUserId: number }, now = new Date()): Promise<DateOverrideResult> {
    return this.ds.transaction(async (m) => {
      await this.requireRows(m, req.certificateId, req.actingUserId);
      const existing = await this.lockOverride(m, req.certificateId);
      if (!existing) return { action: "none" };
      // simple-history's '-' row is a copy of the row as it was, taken before the delete.
      await this.history(m, existing.id, "-", now, req.actingUserId);
      await m.query(`DELETE FROM certificates_certificatedateoverride WHERE id = ?`, [existing.id]);
      await this.events.record(m, { certificateId: req.certificateId, change: "date-override" });
      return { action: "cleared", overrideId: existing.id };
    });
  }

  /** A certificate's non-PII columns (never `name`), for the console's override page; undefined if there is none. */
  async certificate(certificateId: number): Promise<CertificateSummary | undefined> {
    const rows: CertificateSummary[] = await this.ds.query(`SELECT ${CERTIFICATE_COLUMNS} FROM certificates_generatedcertificate WHERE id = ?`, [certificateId]);
    return rows[0];
  }

  /** The certificate of a learner in a course run (unique upstream), by ids only. */
  async certificateOf(userId: number, courseKey: string): Promise<CertificateSummary | undefined> {
    const rows: CertificateSummary[] = await this.ds.query(`SELECT ${CERTIFICATE_COLUMNS} FROM certificates_generatedcertificate WHERE user_id = ? AND course_id = ?`, [userId, courseKey]);
    return rows[0];
  }

  /** The override in force and every history row of the certificate's overrides, oldest first. */
  async overrideAndHistory(certificateId: number): Promise<{ current: OverrideRow | undefined; history: OverrideHistoryRow[] }> {
    const withHistory = (await lmsSchemaOf(this.ds).snapshot()).has(DATE_OVERRIDE_HISTORY);
    const [current, history] = await Promise.all([
      this.ds.query(`SELECT ${COLUMNS} FROM certificates_certificatedateoverride WHERE generated_certificate_id = ?`, [certificateId]),
      !withHistory ? [] : this.ds.query(
        `SELECT history_id, history_date, history_type, history_user_id, ${COLUMNS} FROM certificates_historicalcertificatedateoverride
          WHERE generated_certificate_id = ? ORDER BY history_date, history_id`,
        [certificateId],
      ),
    ]);
    return { current: (current as OverrideRow[])[0], history: history as OverrideHistoryRow[] };
  }

  private async requireRows(m: EntityManager, certificateId: number, actingUserId: number): Promise<void> {
    const [row] = await m.query(
      `SELECT (SELECT COUNT(*) FROM certificates_generatedcertificate WHERE id = ?) AS certificate, (SELECT COUNT(*) FROM auth_user WHERE id = ?) AS actor`,
      [certificateId, actingUserId],
    );
    if (Number(row.certificate) === 0) throw new PermanentJobError(`certificate ${certificateId} does not exist`);
    if (Number(row.actor) === 0) throw new PermanentJobError(`acting user ${actingUserId} does not exist`);
  }

  private async lockOverride(m: EntityManager, certificateId: number): Promise<{ id: number } | undefined> {
    const rows: Array<{ id: number }> = await m.query(`SELECT id FROM certificates_certificatedateoverride WHERE generated_certificate_id = ? FOR UPDATE`, [certificateId]);
    return rows[0] ? { id: Number(rows[0].id) } : undefined;
  }

  /** The simple-history row of a change; none on an LMS without the history table (optional in the LMS schema registry). */
  private async history(m: EntityManager, id: number, type: "+" | "~" | "-", at: Date, actingUserId: number): Promise<void> {
    if (!(await lmsSchemaOf(m.connection).snapshot(m)).has(DATE_OVERRIDE_HISTORY)) return;
    await m.query(
      `INSERT INTO certificates_historicalcertificatedateoverride (${COLUMNS}, history_date, history_change_reason, history_type, history_user_id)
       SELECT ${COLUMNS}, ?, NULL, ?, ? FROM certificates_certificatedateoverride WHERE id = ?`,
      [at, type, actingUserId, id],
    );
  }
}
