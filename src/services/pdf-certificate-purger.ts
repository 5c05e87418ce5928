import type { S3Client } from "@aws-sdk/client-s3";
import type { DataSource } from "typeorm";
import type { CertificatesConfig } from "../config";
import { hasPdfLinks, pdfCertificateKeys, type PdfCertificateLinks } from "../domain/certificates/pdf-certificate-files";
import { GeneratedCertificate } from "../entities/lms";
import { PdfCertificatePurgeRecord } from "../entities/worker";
import { PermanentJobError } from "../errors/permanent-job-error";
import { TransientJobError } from "../errors/transient-job-error";
import type { Logger } from "../logging/logger";
import { affectedRows } from "../db/affected-rows";
import { PDF_LINKS_CONDITION } from "./certificates/pdf-links-sql";
import { deleteExactKeys } from "../storage/s3";
import type { CertificateEventOutbox } from "./event-bus/certificate-event-outbox";

export type PurgeOutcome =
  | { status: "purged"; certificateId: number; keys: string[] }
  | { status: "already-purged"; certificateId: number }
  | { status: "dry-run"; certificateId: number; keys: string[] };

interface CertificateLinksRow extends PdfCertificateLinks {
  userId: number;
}

/**
 * Purges one legacy PDF certificate: its 4 S3 objects first, then the row's links, in that order, because the
 * links are the only record of which objects belong to the certificate (upstream PR #36287).
 *
 * Safe to run twice, concurrently or after a crash at any line: deletes are idempotent, and the links are blanked
 * with a compare-and-set on the values that were read, so a row is changed (and audited) exactly once.
 * No DB lock is held across the S3 call.
 */
export class PdfCertificatePurger {
  constructor(
    private readonly ds: DataSource,
    private readonly s3: S3Client,
    private readonly config: CertificatesConfig,
    private readonly logger: Logger,
    private readonly events: CertificateEventOutbox,
  ) {}

  private get bucket(): string {
    if (!this.config.bucket) throw new PermanentJobError("CERTIFICATES_BUCKET is not configured");
    return this.config.bucket;
  }

  async purge(certificateId: number, opts: { jobId: string; dryRun?: boolean }): Promise<PurgeOutcome> {
    const row = await this.readLinks(certificateId);
    if (!row) throw new PermanentJobError(`certificate ${certificateId} does not exist`);
    if (!hasPdfLinks(row)) return { status: "already-purged", certificateId };

    const keys = pdfCertificateKeys(row, this.config);
    const log = { certificateId, userId: row.userId, jobId: opts.jobId, bucket: this.bucket, keys };
    if (opts.dryRun) {
      this.logger.debug("[DRY RUN] would delete PDF certificate files and blank download_url and download_uuid", log);
      return { status: "dry-run", certificateId, keys };
    }

    await deleteExactKeys(this.s3, this.bucket, keys);
    const blanked = await this.blankLinks(row, keys, opts.jobId);
    if (blanked) {
      this.logger.info("purged PDF certificate files and links", log);
      return { status: "purged", certificateId, keys };
    }
    const now = await this.readLinks(certificateId);
    if (now && !hasPdfLinks(now)) return { status: "already-purged", certificateId };
    // The links changed between read and write: the files just deleted may not be the current ones. Start over.
    throw new TransientJobError(`certificate ${certificateId}: links changed while purging; will retry`);
  }

  /** Ids of a learner's certificates that still reference PDF files. */
  async pdfCertificateIdsOfUser(userId: number): Promise<number[]> {
    const rows = await this.ds
      .getRepository(GeneratedCertificate)
      .createQueryBuilder("c")
      .select("c.id", "id")
      .where("c.user_id = :userId", { userId })
      .andWhere(PDF_LINKS_CONDITION)
      .orderBy("c.id")
      .getRawMany<{ id: number }>();
    return rows.map((r) => Number(r.id));
  }

  private async readLinks(certificateId: number): Promise<CertificateLinksRow | null> {
    const row = await this.ds.getRepository(GeneratedCertificate).findOne({
      where: { id: certificateId },
      select: { id: true, userId: true, downloadUrl: true, downloadUuid: true, verifyUuid: true },
    });
    return row;
  }

  /** Blanks the links only if they still hold the values the keys were derived from; records the audit row. */
  private async blankLinks(row: CertificateLinksRow, keys: string[], jobId: string): Promise<boolean> {
    return this.ds.transaction(async (em) => {
      // A bulk UPDATE, like upstream's purge: no save(), so no signals or history rows (intended upstream).
      const result = await em
        .createQueryBuilder()
        .update(GeneratedCertificate)
        .set({ downloadUrl: "", downloadUuid: "" })
        // BINARY: the column collation is case-insensitive, a compare-and-set must not be.
        .where("id = :id AND BINARY download_url = :url AND BINARY download_uuid = :uuid", {
          id: row.id,
          url: row.downloadUrl,
          uuid: row.downloadUuid,
        })
        .execute();
      if (affectedRows(result) !== 1) return false;
      await em.insert(PdfCertificatePurgeRecord, {
        certificateId: row.id,
        userId: row.userId,
        bucket: this.bucket,
        deletedKeys: keys,
        jobId,
        purgedAt: new Date(),
      });
      // Not a save() upstream (no signal there), but downstream should learn the links are gone: a changed event.
      await this.events.record(em, { certificateId: row.id, change: "touched" });
      return true;
    });
  }
}
