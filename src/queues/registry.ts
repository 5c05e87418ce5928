import { createHash } from "node:crypto";
import type { BackfillChunk } from "../domain/organizations/organization-backfill";
import type { StepRetryState } from "../domain/retirement/http-retry-policy";
import { InvalidArgumentsError } from "../errors/invalid-arguments-error";

/**
 * The one registry of queues, job names and payloads. Payloads carry ids only: Redis is not a place a learner's
 * username, email or name may ever reach, and job data is stored there in clear text.
 */
export enum QueueName {
  CertificatePurge = "certificate-purge",
  CertificateGeneration = "certificate-generation",
  LearnerRetirement = "learner-retirement",
  Organizations = "organizations",
  CertificateEvents = "certificate-events",
  Credentials = "credentials",
}

export enum JobName {
  PurgePdfCertificate = "purge-pdf-certificate",
  PurgePdfCertificates = "purge-pdf-certificates",
  GenerateCertificate = "generate-certificate",
  GenerateCertificates = "generate-certificates",
  GenerateCertificatesFromDatabase = "generate-certificates-from-database",
  RetireLearner = "retire-learner",
  RetireLearners = "retire-learners",
  RetireLearnersChunk = "retire-learners-chunk",
  BackfillOrganizationsChunk = "backfill-organizations-chunk",
  BackfillOrganizations = "backfill-organizations",
  ArchiveRetirements = "archive-retirements",
  PartnerReport = "partner-report",
  SweepStuckLearners = "sweep-stuck-learners",
  SweepStuckGeneration = "sweep-stuck-generation",
  SweepStuckPurges = "sweep-stuck-purges",
  PublishCertificateEvents = "publish-certificate-events",
  MarkCertificateNotPassing = "mark-certificate-notpassing",
  InvalidateCertificate = "invalidate-certificate",
  AwardCourseCertificate = "award-course-certificate",
  DrainCredentialsOutbox = "drain-credentials-outbox",
}

export interface JobPayloads {
  /** One certificate (a batch of one; also what releases before batching enqueued). */
  [JobName.PurgePdfCertificate]: { certificateId: number };
  /** Up to 250 certificates, purged with one DeleteObjects; each has its own outcome. */
  [JobName.PurgePdfCertificates]: { certificateIds: number[] };
  /** One learner in one course run (the course key is public, not PII). */
  [JobName.GenerateCertificate]: { userId: number; courseKey: string };
  /**
   * Up to GENERATION_CHUNK_MAX learners of one course run, decided and written together; each keeps its own outcome.
   * After a partial failure the job's data shrinks to the learners still to do, so a retry runs only those.
   */
  [JobName.GenerateCertificates]: { courseKey: string; userIds: number[] };
  /** Fan-out of the batch stored in certificates_certificategenerationcommandconfiguration. */
  [JobName.GenerateCertificatesFromDatabase]: Record<string, never>;
  /**
   * Advance one learner through the retirement pipeline (the auth_user id; never the username). `retry` is the
   * bookkeeping of an HTTP step waiting as a delayed job (state name, counts, times).
   */
  [JobName.RetireLearner]: { userId: number; retry?: StepRetryState };
  /**
   * Several learners advanced through the pipeline at once (retire-learners --chunk-size): their database work is
   * batched across the chunk. A learner that cannot finish in the chunk continues in its own retire-learner job.
   */
  [JobName.RetireLearnersChunk]: { userIds: number[] };
  /** Scheduled sweep: enqueue every learner due for retirement (retire-learners with the configured defaults). */
  [JobName.RetireLearners]: Record<string, never>;
  /** One keyset chunk of an organizations backfill: course-overview id bounds and organization short names (public ids). */
  [JobName.BackfillOrganizationsChunk]: BackfillChunk;
  /** Scheduled backfill (ORGANIZATIONS_BACKFILL_CRON): scan course overviews and enqueue the chunks. */
  [JobName.BackfillOrganizations]: { activate: boolean };
  /** Scheduled archive-and-cleanup of COMPLETE learners past the archive cool-off. */
  [JobName.ArchiveRetirements]: Record<string, never>;
  /** Scheduled partner report (RETIREMENT_PARTNER_REPORT_CRON): its settings come from config; no PII in the payload. */
  [JobName.PartnerReport]: Record<string, never>;
  /** Scheduled sweeps: re-enqueue work whose rows say unfinished while no job carries it (one per queue). */
  [JobName.SweepStuckLearners]: Record<string, never>;
  [JobName.SweepStuckGeneration]: Record<string, never>;
  [JobName.SweepStuckPurges]: Record<string, never>;
  /** Scheduled: drain the certificate event outbox to the event bus. */
  [JobName.PublishCertificateEvents]: Record<string, never>;
  /** A learner's grade is now failing (consumed event): a passing certificate becomes notpassing. */
  [JobName.MarkCertificateNotPassing]: { userId: number; courseKey: string };
  /** An exam attempt of the learner was rejected (consumed event): their certificate in the run is invalidated. */
  [JobName.InvalidateCertificate]: { userId: number; courseKey: string };
  /**
   * Send the learner's course certificate to Credentials (award_course_certificate). `retries` counts the delayed
   * retries of this run (a count, nothing else); the username is read from the database when the request is sent.
   */
  [JobName.AwardCourseCertificate]: { userId: number; courseKey: string; retries?: number };
  /** Scheduled: turn recorded certificate changes into award-course-certificate jobs. */
  [JobName.DrainCredentialsOutbox]: Record<string, never>;
}

export const JOB_QUEUE: { [J in JobName]: QueueName } = {
  [JobName.PurgePdfCertificate]: QueueName.CertificatePurge,
  [JobName.PurgePdfCertificates]: QueueName.CertificatePurge,
  [JobName.GenerateCertificate]: QueueName.CertificateGeneration,
  [JobName.GenerateCertificates]: QueueName.CertificateGeneration,
  [JobName.GenerateCertificatesFromDatabase]: QueueName.CertificateGeneration,
  [JobName.RetireLearner]: QueueName.LearnerRetirement,
  [JobName.RetireLearners]: QueueName.LearnerRetirement,
  [JobName.RetireLearnersChunk]: QueueName.LearnerRetirement,
  [JobName.BackfillOrganizationsChunk]: QueueName.Organizations,
  [JobName.BackfillOrganizations]: QueueName.Organizations,
  [JobName.ArchiveRetirements]: QueueName.LearnerRetirement,
  [JobName.PartnerReport]: QueueName.LearnerRetirement,
  [JobName.SweepStuckLearners]: QueueName.LearnerRetirement,
  [JobName.SweepStuckGeneration]: QueueName.CertificateGeneration,
  [JobName.SweepStuckPurges]: QueueName.CertificatePurge,
  [JobName.PublishCertificateEvents]: QueueName.CertificateEvents,
  [JobName.MarkCertificateNotPassing]: QueueName.CertificateGeneration,
  [JobName.InvalidateCertificate]: QueueName.CertificateGeneration,
  [JobName.AwardCourseCertificate]: QueueName.Credentials,
  [JobName.DrainCredentialsOutbox]: QueueName.Credentials,
};

/**
 * Deterministic job ids make enqueueing idempotent: BullMQ ignores an add whose id already exists (until the
 * finished job is removed by retention). BullMQ ids may not contain ':' nor be bare integers.
 */
export const jobIds = {
  purgePdfCertificate: (certificateId: number) => `purge-pdf-certificate.${certificateId}`,
  /**
   * A batch is named by its id range, its size and a digest of its exact ids (ascending), so asking for the same
   * certificates again finds the same job; overlapping batches are harmless (the compare-and-set purges once).
   */
  purgePdfCertificates: (sortedIds: number[]) =>
    `purge-pdf-certificates.${sortedIds[0]}-${sortedIds[sortedIds.length - 1]}.${sortedIds.length}.${digestOf(sortedIds)}`,
  /** Course keys hold ':', '+' and '/': percent-encoded, so the id has no ':' and splits unambiguously. */
  generateCertificate: (userId: number, courseKey: string) => `generate-certificate.${userId}.${encodeURIComponent(courseKey)}`,
  /**
   * A chunk of learners is named like a purge batch (id range, size, digest of its exact ids ascending), after its
   * course run: enqueueing the same chunk again finds the same job.
   */
  generateCertificates: (courseKey: string, sortedIds: number[]) =>
    `generate-certificates.${encodeURIComponent(courseKey)}.${sortedIds[0]}-${sortedIds[sortedIds.length - 1]}.${sortedIds.length}.${digestOf(sortedIds)}`,
  markCertificateNotPassing: (userId: number, courseKey: string) => `mark-certificate-notpassing.${userId}.${encodeURIComponent(courseKey)}`,
  invalidateCertificate: (userId: number, courseKey: string) => `invalidate-certificate.${userId}.${encodeURIComponent(courseKey)}`,
  /** One job per (learner, course run): a change while one waits is sent by that job, which reads the latest state. */
  awardCourseCertificate: (userId: number, courseKey: string) => `award-course-certificate.${userId}.${encodeURIComponent(courseKey)}`,
  /** One id per learner: BullMQ then holds at most one job per learner at a time. */
  retireLearner: (userId: number) => `retire-learner.${userId}`,
  /** Named like a purge batch: asking for the same learners again finds the same job. */
  retireLearnersChunk: (sortedIds: number[]) =>
    `retire-learners-chunk.${sortedIds[0]}-${sortedIds[sortedIds.length - 1]}.${sortedIds.length}.${digestOf(sortedIds)}`,
  /** One id per (backfill run, chunk number): enqueueing a run's chunks again adds nothing. */
  backfillOrganizationsChunk: (backfillId: string, chunk: number) => `backfill-organizations-chunk.${backfillId}.${chunk}`,
};

function digestOf(sortedIds: number[]): string {
  return createHash("sha1").update(sortedIds.join(",")).digest("hex").slice(0, 12);
}

/** Learners in one generate-certificates job at most (its payload schema's bound). */
export const GENERATION_CHUNK_MAX = 250;

export const ALL_QUEUES: QueueName[] = Object.values(QueueName);

/** The job states `queues` and the console's metrics count, in display order. */
export const JOB_STATES = ["waiting", "active", "delayed", "prioritized", "waiting-children", "completed", "failed"] as const;

/**
 * The job name behind a job id, for events that carry only the id (BullMQ's QueueEvents): every id made by `jobIds`
 * starts with its job name and a dot; a job scheduler's jobs are `repeat:<schedulerId>:<time>`, and each scheduler
 * here is named after the job it makes.
 */
export function jobNameOfId(jobId: string): string {
  if (jobId.startsWith("repeat:")) {
    const schedulerId = jobId.split(":")[1];
    return (Object.values(JobName) as string[]).includes(schedulerId) ? schedulerId : "scheduled";
  }
  return JOB_NAMES_LONGEST_FIRST.find((name) => jobId.startsWith(`${name}.`)) ?? "other";
}
const JOB_NAMES_LONGEST_FIRST = Object.values(JobName).sort((a, b) => b.length - a.length);

export function parseQueueNames(list: string): QueueName[] {
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !ALL_QUEUES.includes(n as QueueName));
  if (unknown.length > 0) {
    throw new InvalidArgumentsError(`unknown queue${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; known: ${ALL_QUEUES.join(", ")}`);
  }
  return names as QueueName[];
}
