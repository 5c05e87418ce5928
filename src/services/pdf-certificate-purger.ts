import type { S3Client } from "@aws-sdk/client-s3";
import type { DataSource, EntityManager } from "typeorm";
import type { CertificatesConfig } from "../config";
import { hasPdfLinks, pdfCertificateKeys, PURGE_BATCH_SIZE, type PdfCertificateLinks } from "../domain/certificates/pdf-certificate-files";
import { GeneratedCertificate } from "../entities/lms";
import { PdfCertificatePurgeRecord } from "../entities/worker";
import { DomainRuleError } from "../domain/domain-rule-error";
import { PermanentJobError } from "../errors/permanent-job-error";
import { TransientJobError } from "../errors/transient-job-error";
import type { Logger } from "../logging/logger";
import { affectedRows } from "../db/affected-rows";
import { PDF_LINKS_CONDITION } from "./certificates/pdf-links-sql";
import { deleteKeys } from "../storage/s3";
import type { CertificateChangeRecorder } from "../app/certificate-change";

export { PURGE_BATCH_SIZE };

/** What happened to one certificate of a batch. Neighbours never share a fate. */
type CertificatePurgeOutcome =
  | { certificateId: number; status: "purged"; keys: string[] }
  | { certificateId: number; status: "already-purged" }
  /** Retrying cannot help (unknown id, hostile or malformed link): nothing was deleted for it. */
  | { certificateId: number; status: "refused"; error: PermanentJobError | DomainRuleError }
  /** Worth retrying (S3 could not delete one of its keys, or its links changed meanwhile): its row is untouched. */
  | { certificateId: number; status: "retry"; error: TransientJobError };

type PurgeOutcome =
  | { status: "purged"; certificateId: number; keys: string[] }
  | { status: "already-purged"; certificateId: number }
  | { status: "dry-run"; certificateId: number; keys: string[] };

interface CertificateLinksRow extends PdfCertificateLinks {
  userId: number;
}

interface Planned {
  row: CertificateLinksRow;
  keys: string[];
}

/**
 * Purges legacy PDF certificates, a batch at a time: their S3 objects first, then the rows' links, in that order,
 * because the links are the only record of which objects belong to a certificate (upstream PR #36287).
 *
 * Per batch: one read of every row, one DeleteObjects of up to 1,000 keys, one short transaction that
 * compare-and-sets the links of every certificate whose objects are all gone and writes their audit rows. Safe to
 * run twice, concurrently or after a crash at any line: deletes are idempotent, and a row is blanked (and audited)
 * only if it still holds the links its keys were derived from, so each certificate is purged exactly once.
 * No DB lock is held across the S3 call.
 */
export class PdfCertificatePurger {
  constructor(
    private readonly ds: DataSource,
    private readonly s3: S3Client,
    private readonly config: CertificatesConfig,
    private readonly logger: Logger,
    private readonly events: CertificateChangeRecorder,
  ) {}

  private get bucket(): string {
    if (!this.config.bucket) throw new PermanentJobError("CERTIFICATES_BUCKET is not configured");
    return this.config.bucket;
  }

  /**
   * One certificate, with its refusal or retry as the thrown error (the CLI's dry run, the single-certificate job,
   * callers that want all-or-nothing).
   */
  async purge(certificateId: number, opts: { jobId: string; dryRun?: boolean }): Promise<PurgeOutcome> {
    if (opts.dryRun) {
      const [row] = await this.readLinks([certificateId]);
      if (!row) throw new PermanentJobError(`certificate ${certificateId} does not exist`);
      if (!hasPdfLinks(row)) return { status: "already-purged", certificateId };
      const keys = pdfCertificateKeys(row, this.config);
      this.logger.debug("[DRY RUN] would delete PDF certificate files and blank download_url and download_uuid", { certificateId, userId: row.userId, bucket: this.bucket, keys });
      return { status: "dry-run", certificateId, keys };
    }
    const [outcome] = await this.purgeBatch([certificateId], { jobId: opts.jobId });
    if (outcome.status === "refused" || outcome.status === "retry") throw outcome.error;
    return outcome;
  }

  /**
   * Purges up to PURGE_BATCH_SIZE certificates and reports each one's outcome, in the order given. Throws only
   * when nothing could be done for any of them (the DeleteObjects request itself failed, or the database).
   */
  async purgeBatch(certificateIds: number[], opts: { jobId: string }): Promise<CertificatePurgeOutcome[]> {
    const ids = [...new Set(certificateIds)];
    if (ids.length > PURGE_BATCH_SIZE) throw new Error(`a purge batch holds at most ${PURGE_BATCH_SIZE} certificates`);
    const bucket = this.bucket;
    const rows = new Map((await this.readLinks(ids)).map((r) => [r.id, r]));
    const outcomes = new Map<number, CertificatePurgeOutcome>();
    const planned: Planned[] = [];
    for (const id of ids) {
      const row = rows.get(id);
      if (!row) outcomes.set(id, { certificateId: id, status: "refused", error: new PermanentJobError(`certificate ${id} does not exist`) });
      else if (!hasPdfLinks(row)) outcomes.set(id, { certificateId: id, status: "already-purged" });
      else {
        try {
          planned.push({ row, keys: pdfCertificateKeys(row, this.config) });
        } catch (err) {
          if (!(err instanceof PermanentJobError || err instanceof DomainRuleError)) throw err;
          outcomes.set(id, { certificateId: id, status: "refused", error: err });
        }
      }
    }

    const failedKeys = await deleteKeys(this.s3, bucket, planned.flatMap((p) => p.keys));
    const deleted: Planned[] = [];
    for (const p of planned) {
      const failures = p.keys.filter((k) => failedKeys.has(k));
      if (failures.length === 0) deleted.push(p);
      else {
        const detail = failures.map((k) => `${k}: ${failedKeys.get(k)}`).join(", ");
        const error = new TransientJobError(`certificate ${p.row.id}: S3 could not delete ${failures.length} of ${p.keys.length} objects in ${bucket}: ${detail}`);
        outcomes.set(p.row.id, { certificateId: p.row.id, status: "retry", error });
      }
    }

    const blanked = deleted.length > 0 ? await this.blankLinks(deleted, opts.jobId) : new Set<number>();
    for (const p of deleted) {
      const id = p.row.id;
      if (blanked.has(id)) outcomes.set(id, { certificateId: id, status: "purged", keys: p.keys });
      else if (!hasPdfLinks((await this.readLinks([id]))[0] ?? { downloadUrl: "", downloadUuid: "" })) outcomes.set(id, { certificateId: id, status: "already-purged" });
      // The links changed between read and write: the files just deleted may not be the current ones. Start over.
      else outcomes.set(id, { certificateId: id, status: "retry", error: new TransientJobError(`certificate ${id}: links changed while purging; will retry`) });
    }

    const result = ids.map((id) => outcomes.get(id)!);
    const purged = result.filter((o) => o.status === "purged").map((o) => o.certificateId);
    if (purged.length > 0) this.logger.info("purged PDF certificate files and links", { jobId: opts.jobId, bucket, certificateIds: purged });
    return result;
  }

  /** Ids of each learner's certificates that still reference PDF files, in id order (one query for all). */
  async pdfCertificateIdsOfUsers(userIds: readonly number[]): Promise<Map<number, number[]>> {
    const byUser = new Map<number, number[]>(userIds.map((u) => [u, []]));
    if (userIds.length === 0) return byUser;
    const rows = await this.ds
      .getRepository(GeneratedCertificate)
      .createQueryBuilder("c")
      .select("c.id", "id")
      .addSelect("c.user_id", "userId")
      .where("c.user_id IN (:...userIds)", { userIds })
      .andWhere(PDF_LINKS_CONDITION)
      .orderBy("c.id")
      .getRawMany<{ id: number; userId: number }>();
    for (const r of rows) byUser.get(Number(r.userId))?.push(Number(r.id));
    return byUser;
  }

  private async readLinks(ids: number[], em: EntityManager = this.ds.manager, lock = false): Promise<CertificateLinksRow[]> {
    if (ids.length === 0) return [];
    const rows: Array<{ id: number; userId: number; downloadUrl: string; downloadUuid: string; verifyUuid: string }> = await em.query(
      `SELECT id, user_id AS userId, download_url AS downloadUrl, download_uuid AS downloadUuid, verify_uuid AS verifyUuid
         FROM certificates_generatedcertificate WHERE id IN (?) ORDER BY id${lock ? " FOR UPDATE" : ""}`,
      [ids],
    );
    return rows.map((r) => ({ ...r, id: Number(r.id), userId: Number(r.userId) }));
  }

  /**
   * Blanks the links of every certificate that still holds the exact links its keys were derived from, and writes
   * their audit rows, in one short transaction; returns the ids it blanked. The rows are locked in id order (so two
   * overlapping batches cannot deadlock) only for the statements of this transaction, never across S3. The
   * certificate events (outbox) are written in the same transaction.
   */
  private async blankLinks(deleted: Planned[], jobId: string): Promise<Set<number>> {
    return this.ds.transaction(async (em) => {
      const now = new Map((await this.readLinks(deleted.map((p) => p.row.id), em, true)).map((r) => [r.id, r]));
      // BINARY: the column collation is case-insensitive, a compare-and-set must not be.
      const unchanged = deleted.filter((p) => {
        const r = now.get(p.row.id);
        return r !== undefined && r.downloadUrl === p.row.downloadUrl && r.downloadUuid === p.row.downloadUuid;
      });
      if (unchanged.length === 0) return new Set<number>();
      // A bulk UPDATE, like upstream's purge: no save(), so no signals or history rows (intended upstream). The
      // compare-and-set is also in the WHERE, so the statement is safe on its own.
      const result = await em.query(
        `UPDATE certificates_generatedcertificate SET download_url = '', download_uuid = ''
          WHERE id IN (?) AND (id, BINARY download_url, BINARY download_uuid) IN (?)`,
        [unchanged.map((p) => p.row.id), unchanged.map((p) => [p.row.id, p.row.downloadUrl, p.row.downloadUuid])],
      );
      const affected = affectedRows(result);
      if (affected !== unchanged.length) throw new Error(`internal: blanked ${affected} of ${unchanged.length} locked certificates`);
      const purgedAt = new Date();
      await em.insert(
        PdfCertificatePurgeRecord,
        unchanged.map((p) => ({ certificateId: p.row.id, userId: p.row.userId, bucket: this.bucket, deletedKeys: p.keys, jobId, purgedAt })),
      );
      // Not a save() upstream (no signal there), but downstream should learn the links are gone: a changed event.
      await this.events.record(em, { certificateId: unchanged.map((p) => p.row.id), change: "links-blanked" });
      return new Set(unchanged.map((p) => p.row.id));
    });
  }
}

/**
 * A batch job's result from its certificates' outcomes: done when every certificate is purged or already was;
 * otherwise the error to fail with, naming each certificate that did not make it. Retryable outcomes win (the
 * retry re-deletes only certificates that still have links); refusals alone fail the job for good, after their
 * neighbours were purged. A batch of one fails with that certificate's own error.
 */
export function batchFailure(outcomes: CertificatePurgeOutcome[]): Error | undefined {
  const failed = outcomes.filter((o): o is Extract<CertificatePurgeOutcome, { error: Error }> => o.status === "refused" || o.status === "retry");
  if (failed.length === 0) return undefined;
  if (outcomes.length === 1) return failed[0].error;
  const done = outcomes.length - failed.length;
  const retry = failed.filter((o) => o.status === "retry");
  const detail = failed.map((o) => o.error.message).join("; ");
  const text = `${failed.length} of ${outcomes.length} certificates not purged (${done} purged or already purged): ${detail}`;
  return retry.length > 0 ? new TransientJobError(text) : new PermanentJobError(text);
}
