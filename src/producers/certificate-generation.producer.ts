import type { DataSource } from "typeorm";
import type { AppContext } from "../app/app-context";
import { parseArgumentText, type OptionSpecs, type ParsedOptions } from "../command-line/option-specs";
import { parseIds } from "../command-line/values";
import type { GenerationConfig } from "../config";
import { parseCourseKey, type CourseKey } from "../domain/course-key";
import { CertificateGenerationCommandConfiguration } from "../entities/lms";
import { InvalidArgumentsError } from "../errors/invalid-arguments-error";
import type { JobRequest, QueueSet } from "../queues/queue-set";
import { GENERATION_CHUNK_MAX, JobName, QueueName, jobIds } from "../queues/registry";
import { CertificateGenerator } from "../services/certificate-generation/certificate-generator";
import { argumentsFromDatabase } from "./command-arguments";
import { CertificateEventOutbox } from "../services/event-bus/certificate-event-outbox";
import { idChunks } from "../util/id-chunks";

/**
 * The options of upstream's cert_generation (`-u/--user ID…`, `-c/--course-key KEY`) with this service's
 * spellings, accepted on the command line and in the stored `arguments` of
 * certificates_certificategenerationcommandconfiguration.
 */
export const GENERATION_SELECTION: OptionSpecs = {
  "course-key": { type: "string", aliases: ["-c", "--course_key"], valueName: "KEY", description: "The course run, course-v1:Org+Course+Run or Org/Course/Run" },
  "user-ids": { type: "list", aliases: ["-u", "--user", "--user_ids"], valueName: "ID", description: "These learners (user ids)" },
  "all-enrolled": { type: "boolean", aliases: ["--all_enrolled"], description: "Every learner with an enrollment in the run (active or not)" },
  "dry-run": { type: "boolean", aliases: ["--dry_run"], description: "Show what would be enqueued and what each learner would get; enqueue nothing" },
};

export type GenerationBatch = { courseKey: CourseKey; dryRun: boolean } & ({ userIds: number[] } | { allEnrolled: true });

/** Validates like cert_generation, in its order and with its messages. */
export function generationBatchFromOptions(opts: ParsedOptions): GenerationBatch {
  const userList = opts["user-ids"] as string[] | undefined;
  const allEnrolled = opts["all-enrolled"] === true;
  if (userList !== undefined && allEnrolled) throw new InvalidArgumentsError("give only one of --user-ids and --all-enrolled");
  if (!allEnrolled && (!userList || userList.length === 0)) throw new InvalidArgumentsError("You must specify a list of users");
  const keyText = opts["course-key"] as string | undefined;
  if (!keyText) throw new InvalidArgumentsError("You must specify a course-key");
  const courseKey = parseCourseKey(keyText);
  if (!courseKey) throw new InvalidArgumentsError("You must specify a valid course-key");
  const dryRun = opts["dry-run"] === true;
  if (allEnrolled) return { courseKey, dryRun, allEnrolled: true };
  return { courseKey, dryRun, userIds: parseIds(userList, "user id") };
}

/** The newest CertificateGenerationCommandConfiguration row's arguments, parsed (disabled → upstream's error). */
export async function generationBatchFromDatabase(ds: DataSource): Promise<GenerationBatch> {
  const stored = await argumentsFromDatabase(ds, CertificateGenerationCommandConfiguration);
  return generationBatchFromOptions(parseArgumentText(stored, GENERATION_SELECTION));
}

interface BatchSummary {
  courseKey: string;
  /** Learners considered (existing ones). */
  learners: number;
  /** Requested ids with no auth_user row: skipped with a warning. */
  unknown: number[];
  /** Jobs the learners went into (chunks of up to GENERATION_CHUNK learners). */
  jobs: number;
  /** New jobs (including re-runs of finished ones). */
  enqueued: number;
  /** Chunks already waiting, delayed or active: that job will read fresh facts anyway. */
  alreadyPending: number;
  /** The learners of those chunks. */
  alreadyPendingLearners: number;
}

interface BatchIo {
  warn(line: string): void;
  out(line: string): void;
  progress?(done: number, total?: number, final?: boolean): void;
}

/** Ids read (and checked against auth_user) per SQL round trip; a multiple of GENERATION_CHUNK. */
const CHUNK = 1000;
/**
 * Learners per generate-certificates job (at most GENERATION_CHUNK_MAX). Measured with the bench (N=2,000 and 20,000,
 * concurrency 32, two runs each): 250 ran at 5,800–5,900 and 8,300–10,400 learners/s, 100 at 4,900–5,300 and
 * 7,500–9,300, 50 at 3,600 and 7,000: fewer, larger jobs win, and a 250-learner write transaction is still short.
 */
export const GENERATION_CHUNK = GENERATION_CHUNK_MAX;

/**
 * Enqueues the batch's learners as generate-certificates jobs of up to GENERATION_CHUNK learners each (bulk SQL,
 * bulk adds): the per-job cost of BullMQ is paid once per chunk, not once per learner. With `dryRun` it reports each
 * chunk's job id and each learner's outcome the rules would give now. Unknown learners are skipped with upstream's
 * warning and counted; nothing about one learner can stop the others.
 */
export async function runGenerationBatch(ctx: Pick<AppContext, "dataSource" | "queues" | "config" | "logger">, batch: GenerationBatch, io: BatchIo): Promise<BatchSummary> {
  const summary: BatchSummary = { courseKey: batch.courseKey.text, learners: 0, unknown: [], jobs: 0, enqueued: 0, alreadyPending: 0, alreadyPendingLearners: 0 };
  // A preview only: it never writes, so it records no events.
  const generator = batch.dryRun ? new CertificateGenerator(ctx.dataSource, ctx.config.generation, ctx.logger, CertificateEventOutbox.off()) : undefined;
  const total = "allEnrolled" in batch ? await countEnrolled(ctx.dataSource, batch.courseKey) : batch.userIds.length;
  const chunks = "allEnrolled" in batch ? allKnown(enrolledUserIds(ctx.dataSource, batch.courseKey)) : withKnown(ctx.dataSource, batch.userIds);
  let done = 0;
  // The next chunk's SQL runs while this one is being enqueued.
  for await (const { chunk, known } of readAhead(chunks)) {
    for (const id of chunk.filter((u) => !known.has(u))) {
      summary.unknown.push(id);
      io.warn(`User ${id} could not be found`);
    }
    const userIds = chunk.filter((u) => known.has(u));
    summary.learners += userIds.length;
    const requests = generationChunkJobs(batch.courseKey.text, userIds, ctx.config.generation);
    summary.jobs += requests.length;
    if (generator) {
      for (const request of requests) {
        io.out(`[DRY RUN] would enqueue ${request.jobId} (${request.data.userIds.length} learner(s))`);
        for (const userId of request.data.userIds) {
          const { decision: d } = await generator.preview(userId, batch.courseKey.text);
          const what = d.kind === "generate" ? `${d.status} (${d.path})` : d.kind === "refused" ? `nothing: ${d.reason}` : `${d.status}: ${d.reason}${d.kind === "unchanged" ? " (already)" : ""}`;
          io.out(`[DRY RUN] learner ${userId}: now it would give ${what}`);
        }
      }
    } else {
      const { enqueued, pending } = await enqueueChunks(ctx.queues, requests);
      summary.enqueued += enqueued;
      summary.alreadyPending += pending.length;
      summary.alreadyPendingLearners += pending.reduce((n, r) => n + r.data.userIds.length, 0);
    }
    done += chunk.length;
    io.progress?.(done, total);
  }
  io.progress?.(done, total, true);
  return summary;
}

/** The closing line of a batch, as cert_generation's operators read it (CLI and console). */
export function describeGenerationBatch(summary: BatchSummary, dryRun: boolean): string {
  const unknown = summary.unknown.length > 0 ? `; ${summary.unknown.length} unknown user(s) skipped: ${summary.unknown.join(", ")}` : "";
  if (dryRun) return `[DRY RUN] ${summary.jobs} generation job(s) would be enqueued for ${summary.learners} learner(s) in ${summary.courseKey}${unknown}.`;
  const pending = summary.alreadyPending > 0 ? `; ${summary.alreadyPending} job(s) already pending (${summary.alreadyPendingLearners} learner(s))` : "";
  return `Enqueued ${summary.enqueued} certificate generation job(s) for ${summary.learners} learner(s) in ${summary.courseKey}${pending}${unknown}.`;
}

/** One generate-certificate job per learner: the event consumer's, reapply's and the sweeper's unit. */
export function generationJobs(courseKey: string, userIds: number[], config: GenerationConfig): JobRequest[] {
  return userIds.map((userId) => ({
    name: JobName.GenerateCertificate,
    data: { userId, courseKey },
    jobId: jobIds.generateCertificate(userId, courseKey),
    opts: generationJobOptions(config),
  }));
}

/**
 * The learners in generate-certificates jobs of up to `size` each, ids ascending within the list given, so the same
 * learners asked for again make the same chunks, and so the same job ids.
 */
export function generationChunkJobs(courseKey: string, userIds: number[], config: GenerationConfig, size = GENERATION_CHUNK): Array<JobRequest<JobName.GenerateCertificates>> {
  return idChunks(userIds, size).map((ids) => ({
    name: JobName.GenerateCertificates,
    data: { courseKey, userIds: ids },
    jobId: jobIds.generateCertificates(courseKey, ids),
    opts: generationJobOptions(config),
  }));
}

function generationJobOptions(config: GenerationConfig): JobRequest["opts"] {
  return { attempts: config.attempts, backoff: { type: "fixed", delay: config.retryDelayMs } };
}

/** Adds the jobs, re-running finished ones (see QueueSet.addMany's rerunFinished). */
export async function enqueueGenerations(queues: QueueSet, requests: JobRequest[]): Promise<{ enqueued: number; alreadyPending: number }> {
  const enqueued = await queues.addMany(requests, { rerunFinished: true });
  return { enqueued, alreadyPending: requests.length - enqueued };
}

/**
 * Adds the chunk jobs (finished ones re-run). A chunk still pending reads fresh facts when it runs, except for the
 * learners an earlier attempt already did (a partly failed chunk retries only the rest): those get a
 * generate-certificate job each, so asking again always runs the rules again for every learner asked for.
 */
async function enqueueChunks(queues: QueueSet, requests: Array<JobRequest<JobName.GenerateCertificates>>): Promise<{ enqueued: number; pending: Array<JobRequest<JobName.GenerateCertificates>> }> {
  const created = new Set(await queues.addManyNew(requests, { rerunFinished: true }));
  const pending = requests.filter((r) => !created.has(r.jobId));
  const queue = queues.queue(QueueName.CertificateGeneration);
  const singles: JobRequest[] = [];
  const jobs = await Promise.all(pending.map((r) => queue.getJob(r.jobId)));
  for (const [k, { data, opts }] of pending.entries()) {
    const still = new Set<number>(jobs[k]?.data?.userIds ?? data.userIds);
    for (const userId of data.userIds.filter((u) => !still.has(u))) {
      singles.push({ name: JobName.GenerateCertificate, data: { userId, courseKey: data.courseKey }, jobId: jobIds.generateCertificate(userId, data.courseKey), opts });
    }
  }
  if (singles.length > 0) await queues.addMany(singles, { rerunFinished: true });
  return { enqueued: created.size, pending };
}

async function existingUserIds(ds: DataSource, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows: Array<{ id: number }> = await ds.query(`SELECT id FROM auth_user WHERE id IN (?)`, [ids]);
  return new Set(rows.map((r) => Number(r.id)));
}

async function countEnrolled(ds: DataSource, courseKey: CourseKey): Promise<number> {
  const rows: Array<{ n: number }> = await ds.query(`SELECT COUNT(*) AS n FROM student_courseenrollment WHERE course_id = ?`, [courseKey.text]);
  return Number(rows[0].n);
}

/** User ids of every enrollment in the run (active or not, as upstream's enrollment_mode_for_user), keyset-paginated. */
async function* enrolledUserIds(ds: DataSource, courseKey: CourseKey, chunkSize = CHUNK): AsyncGenerator<number[]> {
  let after = 0;
  for (;;) {
    const rows: Array<{ id: number; userId: number }> = await ds.query(
      `SELECT id, user_id AS userId FROM student_courseenrollment WHERE course_id = ? AND id > ? ORDER BY id LIMIT ?`,
      [courseKey.text, after, chunkSize],
    );
    if (rows.length === 0) return;
    yield rows.map((r) => Number(r.userId));
    after = Number(rows[rows.length - 1].id);
  }
}

interface KnownChunk {
  chunk: number[];
  /** The ids of the chunk that have an auth_user row. */
  known: Set<number>;
}

/** Requested ids a chunk at a time, with the ones that exist (one `IN (…)` query per chunk). */
async function* withKnown(ds: DataSource, ids: number[]): AsyncGenerator<KnownChunk> {
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    yield { chunk, known: await existingUserIds(ds, chunk) };
  }
}

/** Enrolled learners: each exists (the enrollment's user). */
async function* allKnown(chunks: AsyncGenerator<number[]>): AsyncGenerator<KnownChunk> {
  for await (const chunk of chunks) yield { chunk, known: new Set(chunk) };
}

/** The items of `source`, the next one already being read while the caller works on the current one. */
async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next();
  // Awaited below; this only keeps a failure of a read the caller never reaches from being unhandled.
  next.catch(() => undefined);
  try {
    for (;;) {
      const item = await next;
      if (item.done) return;
      next = source.next();
      next.catch(() => undefined);
      yield item.value;
    }
  } finally {
    await source.return(undefined);
  }
}
