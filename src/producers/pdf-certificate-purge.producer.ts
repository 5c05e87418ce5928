import type { Job } from "bullmq";
import type { DataSource } from "typeorm";
import { GeneratedCertificate } from "../entities/lms";
import type { JobRequest, QueueSet } from "../queues/queue-set";
import { PURGE_BATCH_SIZE } from "../services/pdf-certificate-purger";
import { JobName, QueueName, jobIds } from "../queues/registry";

import { PDF_LINKS_CONDITION } from "../services/certificates/pdf-links-sql";
import { idChunks } from "../util/id-chunks";
const CHUNK = 1000;

interface CertificateSelection {
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

interface EnqueuedPurges {
  /** New jobs (the rest already existed under the same id). */
  jobs: number;
  /** Certificates in those new jobs. */
  certificates: number;
}

/**
 * Enqueues the certificates in batches of up to PURGE_BATCH_SIZE, in id order, each batch one job with a
 * deterministic id (a lone certificate keeps the per-certificate id purge-pdf-certificate.<id>): enqueueing the
 * same certificates twice while their job waits or runs adds nothing, and a certificate that lands in two different batches is still purged
 * once, because the worker blanks its links with a compare-and-set and audits only the write that won.
 */
export async function enqueuePurges(queues: QueueSet, certificateIds: number[]): Promise<EnqueuedPurges> {
  const requests: JobRequest[] = [];
  const sizes = new Map<string, number>();
  for (const batch of idChunks(certificateIds, PURGE_BATCH_SIZE)) {
    const request: JobRequest =
      batch.length === 1
        ? { name: JobName.PurgePdfCertificate, data: { certificateId: batch[0] }, jobId: jobIds.purgePdfCertificate(batch[0]) }
        : { name: JobName.PurgePdfCertificates, data: { certificateIds: batch }, jobId: jobIds.purgePdfCertificates(batch) };
    sizes.set(request.jobId, batch.length);
    requests.push(request);
  }
  // A finished job under the same id (failed for good, e.g. by an outage longer than the retry window, or completed
  // while a row has links again) is re-run: the purge is idempotent, so asking again is safe.
  const created = await queues.addManyNew(requests, { rerunFinished: true });
  return { jobs: created.length, certificates: created.reduce((n, id) => n + (sizes.get(id) ?? 0), 0) };
}

/** Job states in which a purge job still stands for its certificates: live, or failed (for the sweeper to judge). */
const LIVE_OR_FAILED = ["waiting", "active", "delayed", "prioritized", "waiting-children", "failed"] as const;

/**
 * The purge jobs that name these certificates: a lone job under the per-certificate id (in any state), and batch
 * jobs whose payload names them (batch ids cannot be derived from one certificate, so the batch payloads of the live
 * and failed states are read, 1,000 jobs per round trip). For the sweeper, which judges each job's state.
 */
export async function purgeJobsOf(queues: QueueSet, certificateIds: number[]): Promise<Map<number, Job[]>> {
  const queue = queues.queue(QueueName.CertificatePurge);
  const wanted = new Set(certificateIds);
  const jobs = new Map<number, Job[]>();
  const add = (id: number, job: Job) => jobs.set(id, [...(jobs.get(id) ?? []), job]);
  const present = await queues.presentJobIds(QueueName.CertificatePurge, certificateIds.map(jobIds.purgePdfCertificate));
  for (const id of certificateIds) {
    if (!present.has(jobIds.purgePdfCertificate(id))) continue;
    const job = await queue.getJob(jobIds.purgePdfCertificate(id));
    if (job) add(id, job);
  }
  for (let start = 0; ; start += 1000) {
    const batch = await queue.getJobs([...LIVE_OR_FAILED], start, start + 999, true);
    for (const job of batch) {
      if (job?.name !== JobName.PurgePdfCertificates) continue;
      for (const id of (job.data as { certificateIds?: number[] }).certificateIds ?? []) if (wanted.has(id)) add(id, job);
    }
    if (batch.length < 1000) break;
  }
  return jobs;
}
