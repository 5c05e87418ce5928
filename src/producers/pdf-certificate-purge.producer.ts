import type { DataSource } from "typeorm";
import { GeneratedCertificate } from "../entities/lms";
import type { QueueSet } from "../queues/queue-set";
import { JobName, jobIds } from "../queues/registry";

import { PDF_LINKS_CONDITION } from "../services/certificates/pdf-links-sql";
const CHUNK = 1000;

export interface CertificateSelection {
  /** Certificates that exist and still reference PDF files: these get jobs. */
  toPurge: number[];
  /** Requested ids with no certificate row. */
  unknown: number[];
  /** Requested ids whose links are already blank. */
  alreadyPurged: number[];
}

/** Sorts requested certificate ids into those to purge, unknown ones and those with nothing left to purge. */
export async function selectCertificates(ds: DataSource, ids: number[]): Promise<CertificateSelection> {
  const selection: CertificateSelection = { toPurge: [], unknown: [], alreadyPurged: [] };
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const rows = await ds
      .getRepository(GeneratedCertificate)
      .createQueryBuilder("c")
      .select(["c.id AS id", `${PDF_LINKS_CONDITION} AS hasLinks`])
      .where("c.id IN (:...ids)", { ids: chunk })
      .getRawMany<{ id: number; hasLinks: number | string }>();
    const found = new Map(rows.map((r) => [Number(r.id), Number(r.hasLinks) === 1]));
    for (const id of chunk) {
      if (!found.has(id)) selection.unknown.push(id);
      else if (found.get(id)) selection.toPurge.push(id);
      else selection.alreadyPurged.push(id);
    }
  }
  return selection;
}

/** Every PDF certificate of these learners, by id. */
export async function pdfCertificatesOfUsers(ds: DataSource, userIds: number[]): Promise<number[]> {
  if (userIds.length === 0) return [];
  const rows = await ds
    .getRepository(GeneratedCertificate)
    .createQueryBuilder("c")
    .select("c.id", "id")
    .where("c.user_id IN (:...userIds)", { userIds })
    .andWhere(PDF_LINKS_CONDITION)
    .orderBy("c.id")
    .getRawMany<{ id: number }>();
  return rows.map((r) => Number(r.id));
}

/** Streams ids of every certificate with a PDF link, in id order, a keyset-paginated chunk at a time. */
export async function* allPdfCertificateIds(ds: DataSource, chunkSize = CHUNK): AsyncGenerator<number[]> {
  let after = 0;
  for (;;) {
    const rows = await ds
      .getRepository(GeneratedCertificate)
      .createQueryBuilder("c")
      .select("c.id", "id")
      .where("c.id > :after", { after })
      .andWhere(PDF_LINKS_CONDITION)
      .orderBy("c.id")
      .limit(chunkSize)
      .getRawMany<{ id: number }>();
    if (rows.length === 0) return;
    const ids = rows.map((r) => Number(r.id));
    yield ids;
    after = ids[ids.length - 1];
  }
}

export async function countPdfCertificates(ds: DataSource): Promise<number> {
  return ds.getRepository(GeneratedCertificate).createQueryBuilder("c").where(PDF_LINKS_CONDITION).getCount();
}

/**
 * One job per certificate with a deterministic id: enqueueing the same certificate twice while its job waits or
 * runs processes it once. A finished job under that id (failed for good, e.g. by an outage longer than the retry
 * window, or completed while the row has links again) is re-run: the purge is idempotent, so asking again is safe.
 */
export async function enqueuePurges(queues: QueueSet, certificateIds: number[]): Promise<number> {
  return queues.addMany(
    certificateIds.map((certificateId) => ({
      name: JobName.PurgePdfCertificate,
      data: { certificateId },
      jobId: jobIds.purgePdfCertificate(certificateId),
    })),
    { rerunFinished: true },
  );
}
