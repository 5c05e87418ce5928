import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import type { GenerationDecision } from "../../domain/certificates/generation-decision";
import type { GenerationFacts } from "../../domain/certificates/generation-facts";
import { affectedRows } from "../../db/affected-rows";
import type { CertificateEventOutbox } from "../event-bus/certificate-event-outbox";
import { writeCertificateHistories, writeCertificateHistory } from "./certificate-history";

export type WriteResult = { written: true; certificateId: number; created: boolean } | { written: false; conflict: boolean };

interface PlannedWrite {
  facts: GenerationFacts;
  decision: GenerationDecision;
}

/** The learner's preferred name (profile name, '' without a profile), read by the database itself. */
const PROFILE_NAME = "COALESCE((SELECT p.name FROM auth_userprofile p WHERE p.user_id = ?), '')";

/** MySQL errors that mean "another writer got there first": decide again on fresh facts. */
const RACE_ERRORS = new Set(["ER_DUP_ENTRY", "ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT"]);

/**
 * Writes a generation decision to certificates_generatedcertificate and its history table in one short
 * transaction. A new certificate is a plain INSERT guarded by the unique (user_id, course_id) key: when another
 * worker created the row first, the duplicate-key error is a conflict and the caller decides again on fresh facts
 * (usually: already downloadable, nothing to do), so two workers leave one row and one '+' history row. An
 * existing certificate is compare-and-set on the status and mode the decision was made from, so a decision made
 * on stale facts writes nothing and reports a conflict instead. The certificate events (outbox rows) are written in
 * the same transaction.
 */
export class CertificateWriter {
  constructor(
    private readonly ds: DataSource,
    private readonly events: CertificateEventOutbox,
  ) {}

  async apply(facts: GenerationFacts, decision: GenerationDecision, now = new Date()): Promise<WriteResult> {
    if (decision.kind === "refused" || decision.kind === "unchanged") return { written: false, conflict: false };
    try {
      return await this.ds.transaction(async (m) => {
        if (decision.kind === "generate" && !facts.certificate) return this.insertGenerated(m, facts, decision, now);
        const id = facts.certificate!.id;
        const changed = decision.kind === "generate" ? await this.updateGenerated(m, facts, decision, now) : await this.revoke(m, facts, decision, now);
        if (!changed) return { written: false, conflict: true };
        await writeCertificateHistory(m, id, "~", now);
        await this.events.record(m, { certificateId: id, change: changeOf(decision) });
        return { written: true, certificateId: id, created: false };
      });
    } catch (err) {
      if (RACE_ERRORS.has((err as { code?: string }).code ?? "")) return { written: false, conflict: true };
      throw err;
    }
  }

  /**
   * Writes many learners' decisions (one course run) in ONE transaction: a multi-row INSERT of the new
   * certificates, the compare-and-set UPDATE of each existing one, and their history rows with one INSERT … SELECT
   * per history type. Returns each learner's result; a lost compare-and-set is a conflict for that learner only.
   * Any error rolls the whole transaction back and is thrown: the caller then writes learner by learner, so one
   * poisoned row cannot fail its neighbours.
   */
  async applyMany(writes: PlannedWrite[], now = new Date()): Promise<Map<number, WriteResult>> {
    const results = new Map<number, WriteResult>();
    const pending = writes.filter((w) => {
      if (w.decision.kind === "refused" || w.decision.kind === "unchanged") results.set(w.facts.userId, { written: false, conflict: false });
      return !results.has(w.facts.userId);
    });
    if (pending.length === 0) return results;
    const creates = pending.filter((w) => w.decision.kind === "generate" && !w.facts.certificate);
    const changes = pending.filter((w) => !creates.includes(w));
    await this.ds.transaction(async (m) => {
      if (creates.length > 0) {
        const course = creates[0].facts.courseKey.text;
        const values: unknown[] = [];
        for (const { facts: f, decision } of creates) {
          const d = decision as Extract<GenerationDecision, { kind: "generate" }>;
          values.push(f.userId, course, newVerifyUuid(), d.grade, d.status, d.mode, f.userId, now, now);
        }
        await m.query(
          `INSERT INTO certificates_generatedcertificate
             (user_id, course_id, verify_uuid, download_uuid, download_url, grade, \`key\`, distinction, status, mode, name, created_date, modified_date, error_reason)
           VALUES ${creates.map(() => `(?, ?, ?, '', '', ?, '', 0, ?, ?, ${PROFILE_NAME}, ?, ?, '')`).join(", ")}`,
          values,
        );
        const created: Array<{ id: number; userId: number }> = await m.query(
          `SELECT id, user_id AS userId FROM certificates_generatedcertificate WHERE course_id = ? AND user_id IN (?)`,
          [course, creates.map((w) => w.facts.userId)],
        );
        await writeCertificateHistories(m, created.map((r) => Number(r.id)), "+", now);
        const idOf = new Map(created.map((r) => [Number(r.userId), Number(r.id)]));
        await this.recordEvents(m, creates.map((w) => ({ id: idOf.get(w.facts.userId)!, decision: w.decision })));
        for (const r of created) results.set(Number(r.userId), { written: true, certificateId: Number(r.id), created: true });
      }
      const changed: Array<{ id: number; decision: GenerationDecision }> = [];
      for (const { facts: f, decision: d } of changes) {
        const ok = d.kind === "generate" ? await this.updateGenerated(m, f, d, now) : await this.revoke(m, f, d as Extract<GenerationDecision, { kind: "revoke" }>, now);
        if (ok) changed.push({ id: f.certificate!.id, decision: d });
        results.set(f.userId, ok ? { written: true, certificateId: f.certificate!.id, created: false } : { written: false, conflict: true });
      }
      await writeCertificateHistories(m, changed.map((c) => c.id), "~", now);
      await this.recordEvents(m, changed);
    });
    return results;
  }

  /** The outbox rows of many written certificates: one batched record per kind of change. */
  private async recordEvents(m: EntityManager, written: Array<{ id: number; decision: GenerationDecision }>): Promise<void> {
    for (const change of ["saved", "revoked"] as const) {
      const ids = written.filter((w) => changeOf(w.decision) === change).map((w) => w.id);
      if (ids.length > 0) await this.events.record(m, { certificateId: ids, change });
    }
  }

  /** generate_course_certificate's update_or_create for a learner with no certificate yet (the create half). */
  private async insertGenerated(m: EntityManager, f: GenerationFacts, d: Extract<GenerationDecision, { kind: "generate" }>, now: Date): Promise<WriteResult> {
    const result = await m.query(
      `INSERT INTO certificates_generatedcertificate
         (user_id, course_id, verify_uuid, download_uuid, download_url, grade, \`key\`, distinction, status, mode, name, created_date, modified_date, error_reason)
       VALUES (?, ?, ?, '', '', ?, '', 0, ?, ?, ${PROFILE_NAME}, ?, ?, '')`,
      [f.userId, f.courseKey.text, newVerifyUuid(), d.grade, d.status, d.mode, f.userId, now, now],
    );
    const id = Number((result as { insertId: number }).insertId);
    await writeCertificateHistory(m, id, "+", now);
    await this.events.record(m, { certificateId: id, change: changeOf(d) });
    return { written: true, certificateId: id, created: true };
  }

  /** Regeneration of an existing certificate: keeps verify_uuid (or makes one) and download_uuid. */
  private async updateGenerated(m: EntityManager, f: GenerationFacts, d: Extract<GenerationDecision, { kind: "generate" }>, now: Date): Promise<boolean> {
    const cert = f.certificate!;
    const result = await m.query(
      `UPDATE certificates_generatedcertificate
          SET verify_uuid = IF(verify_uuid = '', ?, verify_uuid), download_url = '', \`key\` = '', error_reason = '',
              grade = ?, status = ?, mode = ?, name = ${PROFILE_NAME}, modified_date = ?
        WHERE id = ? AND status = ? AND mode = ?`,
      [newVerifyUuid(), d.grade, d.status, d.mode, f.userId, now, cert.id, cert.status, cert.mode],
    );
    return affectedRows(result) === 1;
  }

  /** _revoke_certificate (invalidate, mark_unverified, mark_notpassing): links blanked, verify_uuid kept. */
  private async revoke(m: EntityManager, f: GenerationFacts, d: Extract<GenerationDecision, { kind: "revoke" }>, now: Date): Promise<boolean> {
    const cert = f.certificate!;
    const result = await m.query(
      `UPDATE certificates_generatedcertificate
          SET status = ?, mode = ?, grade = ?, name = ${PROFILE_NAME},
              download_url = '', download_uuid = '', error_reason = '', modified_date = ?
        WHERE id = ? AND status = ? AND mode = ?`,
      [d.status, d.mode, d.grade, f.userId, now, cert.id, cert.status, cert.mode],
    );
    return affectedRows(result) === 1;
  }
}

/**
 * Which upstream write a decision is: a revocation, or generation with status unverified (upstream saves, then
 * calls mark_unverified, a revocation), or a plain save.
 */
function changeOf(d: GenerationDecision): "saved" | "revoked" {
  return d.kind === "revoke" || (d.kind === "generate" && d.status === "unverified") ? "revoked" : "saved";
}

/** uuid4().hex: 32 lowercase hex digits. */
function newVerifyUuid(): string {
  return randomUUID().replace(/-/g, "");
}
