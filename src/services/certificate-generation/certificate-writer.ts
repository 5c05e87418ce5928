import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import type { GenerationDecision } from "../../domain/certificates/generation-decision";
import type { GenerationFacts } from "../../domain/certificates/generation-facts";
import { affectedRows } from "../../db/affected-rows";
import type { CertificateChangeRecorder } from "../../app/certificate-change";
import { writeCertificateHistories, writeCertificateHistory } from "./certificate-history";
import { lmsSchemaOf } from "../../db/lms-schema/lms-schema-inspector";
import { VERIFIED_NAME_CONFIGS, VERIFIED_NAMES } from "../../db/lms-schema/families/generation";
import { preferredNameSql, type PreferredNameSql } from "./preferred-name-sql";

export type WriteResult = { written: true; certificateId: number; created: boolean } | { written: false; conflict: boolean };

interface PlannedWrite {
  facts: GenerationFacts;
  decision: GenerationDecision;
}

/** MySQL errors that mean "another writer got there first": decide again on fresh facts. */
const RACE_ERRORS = new Set(["ER_DUP_ENTRY", "ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT"]);

/**
 * Writes a generation decision to certificates_generatedcertificate and its history table in one short
 * transaction. A new certificate is a plain INSERT guarded by the unique (user_id, course_id) key: when another
 * worker created the row first, the duplicate-key error is a conflict and the caller decides again on fresh facts
 * (usually: already downloadable, nothing to do), so two workers leave one row and one '+' history row. An
 * existing certificate is compare-and-set on the status and mode the decision was made from, so a decision made
 * on stale facts writes nothing and reports a conflict instead. What upstream's signals do after a save (events,
 * Credentials, milestones: see CertificateSignals) is recorded in the same transaction. The name is the learner's
 * preferred name, read by the database itself (preferred-name-sql.ts).
 */
export class CertificateWriter {
  private name?: PreferredNameSql;

  constructor(
    private readonly ds: DataSource,
    private readonly events: CertificateChangeRecorder,
    private readonly opts: { nameAffirmation?: boolean } = {},
  ) {}

  /**
   * The name expression: with NAME_AFFIRMATION_INSTALLED, the verified-name rule if the LMS has edx-name-affirmation's
   * tables (the registry's cached schema read, on the transaction's connection), else the profile name.
   */
  private async nameSql(m: EntityManager): Promise<PreferredNameSql> {
    if (!this.name) {
      const schema = this.opts.nameAffirmation ? await lmsSchemaOf(this.ds).snapshot(m) : undefined;
      this.name = preferredNameSql(!!schema && schema.has(VERIFIED_NAMES) && schema.has(VERIFIED_NAME_CONFIGS));
    }
    return this.name;
  }

  async apply(facts: GenerationFacts, decision: GenerationDecision, now = new Date()): Promise<WriteResult> {
    if (decision.kind === "refused" || decision.kind === "unchanged") return { written: false, conflict: false };
    try {
      return await this.ds.transaction(async (m) => {
        const name = await this.nameSql(m);
        if (decision.kind === "generate" && !facts.certificate) return this.insertGenerated(m, name, facts, decision, now);
        const id = facts.certificate!.id;
        const changed = decision.kind === "generate" ? await this.updateGenerated(m, name, facts, decision, now) : await this.revoke(m, name, facts, decision, now);
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
      const name = await this.nameSql(m);
      if (creates.length > 0) {
        const course = creates[0].facts.courseKey.text;
        const values: unknown[] = [];
        for (const { facts: f, decision } of creates) {
          const d = decision as Extract<GenerationDecision, { kind: "generate" }>;
          values.push(f.userId, course, newVerifyUuid(), d.grade, d.status, d.mode, ...name.params(f.userId), now, now);
        }
        await m.query(
          `INSERT INTO certificates_generatedcertificate
             (user_id, course_id, verify_uuid, download_uuid, download_url, grade, \`key\`, distinction, status, mode, name, created_date, modified_date, error_reason)
           VALUES ${creates.map(() => `(?, ?, ?, '', '', ?, '', 0, ?, ?, ${name.sql}, ?, ?, '')`).join(", ")}`,
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
        const ok = d.kind === "generate" ? await this.updateGenerated(m, name, f, d, now) : await this.revoke(m, name, f, d as Extract<GenerationDecision, { kind: "revoke" }>, now);
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
  private async insertGenerated(m: EntityManager, name: PreferredNameSql, f: GenerationFacts, d: Extract<GenerationDecision, { kind: "generate" }>, now: Date): Promise<WriteResult> {
    const result = await m.query(
      `INSERT INTO certificates_generatedcertificate
         (user_id, course_id, verify_uuid, download_uuid, download_url, grade, \`key\`, distinction, status, mode, name, created_date, modified_date, error_reason)
       VALUES (?, ?, ?, '', '', ?, '', 0, ?, ?, ${name.sql}, ?, ?, '')`,
      [f.userId, f.courseKey.text, newVerifyUuid(), d.grade, d.status, d.mode, ...name.params(f.userId), now, now],
    );
    const id = Number((result as { insertId: number }).insertId);
    await writeCertificateHistory(m, id, "+", now);
    await this.events.record(m, { certificateId: id, change: changeOf(d) });
    return { written: true, certificateId: id, created: true };
  }

  /** Regeneration of an existing certificate: keeps verify_uuid (or makes one) and download_uuid. */
  private async updateGenerated(m: EntityManager, name: PreferredNameSql, f: GenerationFacts, d: Extract<GenerationDecision, { kind: "generate" }>, now: Date): Promise<boolean> {
    const cert = f.certificate!;
    const result = await m.query(
      `UPDATE certificates_generatedcertificate
          SET verify_uuid = IF(verify_uuid = '', ?, verify_uuid), download_url = '', \`key\` = '', error_reason = '',
              grade = ?, status = ?, mode = ?, name = ${name.sql}, modified_date = ?
        WHERE id = ? AND status = ? AND mode = ?`,
      [newVerifyUuid(), d.grade, d.status, d.mode, ...name.params(f.userId), now, cert.id, cert.status, cert.mode],
    );
    return affectedRows(result) === 1;
  }

  /** _revoke_certificate (invalidate, mark_unverified, mark_notpassing): links blanked, verify_uuid kept. */
  private async revoke(m: EntityManager, name: PreferredNameSql, f: GenerationFacts, d: Extract<GenerationDecision, { kind: "revoke" }>, now: Date): Promise<boolean> {
    const cert = f.certificate!;
    const result = await m.query(
      `UPDATE certificates_generatedcertificate
          SET status = ?, mode = ?, grade = ?, name = ${name.sql},
              download_url = '', download_uuid = '', error_reason = '', modified_date = ?
        WHERE id = ? AND status = ? AND mode = ?`,
      [d.status, d.mode, d.grade, ...name.params(f.userId), now, cert.id, cert.status, cert.mode],
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
