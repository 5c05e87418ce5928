import type { DataSource, EntityManager } from "typeorm";
import { PermanentJobError } from "../../errors/permanent-job-error";
import type { CertificateEventOutbox } from "../event-bus/certificate-event-outbox";

const COLUMNS = "id, created, modified, date, reason, generated_certificate_id, overridden_by_id";

interface DateOverrideRequest {
  certificateId: number;
  date: Date;
  reason: string;
  /** The person making the change: always recorded as overridden_by and history_user, whatever else is given. */
  actingUserId: number;
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
    private readonly events: CertificateEventOutbox,
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
      // Upstream sends COURSE_CERT_CHANGED after an override is saved or deleted: on the bus, a changed event.
      await this.events.record(m, { certificateId: req.certificateId, change: "touched" });
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
      await this.events.record(m, { certificateId: req.certificateId, change: "touched" });
      return { action: "cleared", overrideId: existing.id };
    });
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

  private async history(m: EntityManager, id: number, type: "+" | "~" | "-", at: Date, actingUserId: number): Promise<void> {
    await m.query(
      `INSERT INTO certificates_historicalcertificatedateoverride (${COLUMNS}, history_date, history_change_reason, history_type, history_user_id)
       SELECT ${COLUMNS}, ?, NULL, ?, ? FROM certificates_certificatedateoverride WHERE id = ?`,
      [at, type, actingUserId, id],
    );
  }
}
