import { z } from "zod";
import { PURGE_BATCH_SIZE } from "../domain/certificates/pdf-certificate-files";
import { parseCourseKey } from "../domain/course-key";
import { RETIREMENT_CHUNK_MAX } from "../domain/retirement/retirement-pipeline";
import { GENERATION_CHUNK_MAX, JOB_QUEUE, JobName, type JobPayloads, type QueueName } from "./registry";

/**
 * The boundary of every processor: a job's payload is checked against its job name's schema before anything runs.
 * Ids are JSON integers within the range of the LMS's INT primary keys: no strings ("1abc", "3 OR 1=1" would be
 * coerced by MySQL), no booleans, no arrays. Objects are strict, so nothing else (and no PII) rides along.
 */
const MAX_INT_ID = 2_147_483_647;
const id = z.number().int().min(1).max(MAX_INT_ID);
const courseKey = z.string().max(255).refine((k) => parseCourseKey(k) !== null, { message: "is not a course run key" });
const empty = z.object({}).strict();
/** Backfill run ids are generated (`scheduled-<job id>` or a random id): a bounded, key-safe token. */
const backfillId = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/, "must be letters, digits, '.', '_' or '-'");
/** course_overviews_courseoverview.id is the course key (varchar 255). */
const overviewId = z.string().min(1).max(255);
/** ORGANIZATIONS_BACKFILL_CHUNK_SIZE is at most 10,000 course runs, so at most that many organizations per chunk. */
const MAX_CHUNK_ITEMS = 10_000;

/** An HTTP step's retry bookkeeping (see RetryLaterError): a state name, counts and times; nothing else. */
const retryState = z.object({
  state: z.string().regex(/^[A-Za-z0-9_]{1,30}$/),
  failures: z.number().int().min(1).max(1_000_000),
  firstFailureAt: z.number().int().min(0),
  lastWasGatewayTimeout: z.boolean().optional(),
}).strict();

const PAYLOAD_SCHEMAS: { [J in JobName]: z.ZodType<JobPayloads[J]> } = {
  [JobName.PurgePdfCertificate]: z.object({ certificateId: id }).strict(),
  [JobName.PurgePdfCertificates]: z.object({ certificateIds: z.array(id).min(1).max(PURGE_BATCH_SIZE) }).strict(),
  [JobName.GenerateCertificate]: z.object({ userId: id, courseKey }).strict(),
  [JobName.GenerateCertificates]: z.object({
    courseKey,
    userIds: z.array(id).min(1).max(GENERATION_CHUNK_MAX).refine((ids) => new Set(ids).size === ids.length, { message: "has repeated ids" }),
  }).strict(),
  [JobName.GenerateCertificatesFromDatabase]: empty as unknown as z.ZodType<Record<string, never>>,
  [JobName.RetireLearner]: z.object({ userId: id, retry: retryState.optional() }).strict(),
  [JobName.RetireLearners]: empty as unknown as z.ZodType<Record<string, never>>,
  [JobName.RetireLearnersChunk]: z.object({
    userIds: z.array(id).min(1).max(RETIREMENT_CHUNK_MAX).refine((ids) => new Set(ids).size === ids.length, { message: "has repeated ids" }),
  }).strict(),
  [JobName.BackfillOrganizationsChunk]: z.object({
    backfillId,
    chunk: z.number().int().min(0).max(MAX_INT_ID),
    courses: z.object({ afterId: overviewId.nullable(), lastId: overviewId }).strict().nullable(),
    organizations: z.array(z.string().min(1).max(255)).max(MAX_CHUNK_ITEMS),
    activate: z.boolean(),
  }).strict(),
  [JobName.BackfillOrganizations]: z.object({ activate: z.boolean() }).strict(),
  [JobName.ArchiveRetirements]: empty as unknown as z.ZodType<Record<string, never>>,
  [JobName.PartnerReport]: empty as unknown as z.ZodType<Record<string, never>>,
  [JobName.SweepStuckLearners]: empty as unknown as z.ZodType<Record<string, never>>,
  [JobName.SweepStuckGeneration]: empty as unknown as z.ZodType<Record<string, never>>,
  [JobName.SweepStuckPurges]: empty as unknown as z.ZodType<Record<string, never>>,
  [JobName.PublishCertificateEvents]: empty as unknown as z.ZodType<Record<string, never>>,
  [JobName.MarkCertificateNotPassing]: z.object({ userId: id, courseKey }).strict(),
  [JobName.InvalidateCertificate]: z.object({ userId: id, courseKey }).strict(),
  [JobName.AwardCourseCertificate]: z.object({ userId: id, courseKey, retries: z.number().int().min(0).max(1000).optional() }).strict(),
  [JobName.DrainCredentialsOutbox]: empty as unknown as z.ZodType<Record<string, never>>,
};

type PayloadCheck = { ok: true } | { ok: false; reason: string };

/** Whether a job of this name may run on this queue with this payload; the reason is one line, ids only. */
export function checkJob(queue: QueueName, name: string, data: unknown): PayloadCheck {
  if (!(Object.values(JobName) as string[]).includes(name)) return { ok: false, reason: `unknown job name "${name.slice(0, 100)}" on queue ${queue}` };
  const jobName = name as JobName;
  if (JOB_QUEUE[jobName] !== queue) return { ok: false, reason: `job "${jobName}" does not belong to queue ${queue} (it belongs to ${JOB_QUEUE[jobName]})` };
  const parsed = PAYLOAD_SCHEMAS[jobName].safeParse(data);
  if (parsed.success) return { ok: true };
  const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "payload"}: ${i.message}`).join("; ");
  return { ok: false, reason: `malformed ${jobName} payload: ${issues}` };
}
