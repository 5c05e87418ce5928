import type { DataSource } from "typeorm";
import type { GenerationConfig } from "../config";
import { parseCourseKey } from "../domain/course-key";
import type { Logger } from "../logging/logger";
import type { JobRequest, QueueSet } from "../queues/queue-set";
import { JobName, jobIds } from "../queues/registry";
import type { EventHandler } from "../services/event-bus/event-bus-consumer";
import { EventType } from "../services/event-bus/event-types";
import type { BusEvent } from "../services/event-bus/stream-entry";
import type { WaffleSwitchReader } from "../app/app-context";
import { enqueueGenerations, generationJobs } from "./certificate-generation.producer";

interface EventsContext {
  queues: QueueSet;
  dataSource: DataSource;
  config: { generation: GenerationConfig };
  logger: Logger;
  waffle: WaffleSwitchReader;
}

type Where = { stream: string; entryId: string };

/**
 * Turns consumed Open edX events into certificate jobs, as the LMS's receivers in lms/djangoapps/certificates/signals.py
 * do in-process:
 * - org.openedx.learning.course.passing.status.updated.v1 with is_passing → a generation job for that learner and
 *   course run, only while the `certificates.auto_certificate_generation` waffle switch is active
 *   (`listen_for_passing_grade`; the job applies every rule, so an already passing certificate stays as it is);
 *   with is_passing false → a mark-certificate-notpassing job, switch or not (`_listen_for_failing_grade`);
 * - org.openedx.learning.exam.attempt.rejected.v1 → an invalidate-certificate job (`handle_exam_attempt_rejected_event`
 *   → invalidate_certificate), switch or not;
 * - org.openedx.learning.idv_attempt.approved.v1 → while the switch is active, a generation job for every active
 *   enrollment of the learner (`_listen_for_id_verification_approved_event` → `_handle_id_verification_approved`).
 * Other event types on the consumed topics are acknowledged and ignored. The handler resolves once the jobs are in
 * Redis, so the entry is acknowledged only then. Ids only reach the jobs and the logs.
 */
export function generationFromEvents(ctx: EventsContext): EventHandler {
  const { logger } = ctx;
  return async (event, where) => {
    const { type, id: eventId } = event.metadata;
    if (type === EventType.CoursePassingStatusUpdated) return passingStatus(ctx, event as BusEvent<typeof type>, where);
    if (type === EventType.ExamAttemptRejected) return examAttemptRejected(ctx, event as BusEvent<typeof type>, where);
    if (type === EventType.IdvAttemptApproved) return idVerificationApproved(ctx, event as BusEvent<typeof type>, where);
    logger.debug("event type not consumed; acknowledged", { ...where, eventType: type, eventId });
  };
}

/** The learner and course run an event names, or undefined (logged) when they are not ids this service can use. */
function learnerAndRun(ctx: EventsContext, event: BusEvent, where: Where, userId: number, courseKey: string): { userId: number; courseKey: string } | undefined {
  if (!Number.isSafeInteger(userId) || userId < 1 || !parseCourseKey(courseKey)) {
    ctx.logger.error("event with an invalid user id or course key; skipped", { ...where, eventType: event.metadata.type, eventId: event.metadata.id });
    return undefined;
  }
  return { userId, courseKey };
}

async function passingStatus(ctx: EventsContext, event: BusEvent<EventType.CoursePassingStatusUpdated>, where: Where): Promise<void> {
  const status = event.data.course_passing_status;
  const ids = learnerAndRun(ctx, event, where, Number(status.user.id), status.course.course_key);
  if (!ids) return;
  const base = { ...where, eventId: event.metadata.id, ...ids, isPassing: status.is_passing };
  if (status.is_passing && !(await ctx.waffle.autoCertificateGeneration())) {
    ctx.logger.info("course passing status: automatic certificate generation is off (certificates.auto_certificate_generation); nothing enqueued", base);
    return;
  }
  const job: JobRequest = status.is_passing
    ? generationJobs(ids.courseKey, [ids.userId], ctx.config.generation)[0]
    : perLearnerJob(ctx, JobName.MarkCertificateNotPassing, ids.userId, ids.courseKey);
  const { enqueued } = await enqueueGenerations(ctx.queues, [job]);
  ctx.logger.info(`course passing status: ${job.name} ${enqueued ? "enqueued" : "already pending"}`, base);
}

async function examAttemptRejected(ctx: EventsContext, event: BusEvent<EventType.ExamAttemptRejected>, where: Where): Promise<void> {
  const attempt = event.data.exam_attempt;
  const ids = learnerAndRun(ctx, event, where, Number(attempt.student_user.id), attempt.course_key);
  if (!ids) return;
  const { enqueued } = await enqueueGenerations(ctx.queues, [perLearnerJob(ctx, JobName.InvalidateCertificate, ids.userId, ids.courseKey)]);
  ctx.logger.info(`exam attempt rejected: invalidate-certificate ${enqueued ? "enqueued" : "already pending"}`, { ...where, eventId: event.metadata.id, ...ids });
}

async function idVerificationApproved(ctx: EventsContext, event: BusEvent<EventType.IdvAttemptApproved>, where: Where): Promise<void> {
  const userId = Number(event.data.idv_attempt.user.id);
  const base = { ...where, eventId: event.metadata.id, userId };
  if (!Number.isSafeInteger(userId) || userId < 1) {
    ctx.logger.error("ID verification event with an invalid user id; skipped", { ...where, eventId: event.metadata.id });
    return;
  }
  if (!(await ctx.waffle.autoCertificateGeneration())) {
    ctx.logger.info("ID verification approved: automatic certificate generation is off (certificates.auto_certificate_generation); nothing enqueued", base);
    return;
  }
  // CourseEnrollment.enrollments_for_user: the learner's active enrollments.
  const rows: Array<{ course_id: string }> = await ctx.dataSource.query(`SELECT course_id FROM student_courseenrollment WHERE user_id = ? AND is_active = 1 ORDER BY course_id`, [userId]);
  const jobs = rows.filter((r) => parseCourseKey(r.course_id)).flatMap((r) => generationJobs(r.course_id, [userId], ctx.config.generation));
  const { enqueued, alreadyPending } = await enqueueGenerations(ctx.queues, jobs);
  ctx.logger.info(`ID verification approved: ${enqueued} generation job(s) enqueued, ${alreadyPending} already pending`, { ...base, enrollments: rows.length });
}

/** A per-learner job of the generation queue with the generation jobs' attempts and backoff. */
function perLearnerJob(ctx: EventsContext, name: JobName.MarkCertificateNotPassing | JobName.InvalidateCertificate, userId: number, courseKey: string): JobRequest {
  const jobId = name === JobName.MarkCertificateNotPassing ? jobIds.markCertificateNotPassing(userId, courseKey) : jobIds.invalidateCertificate(userId, courseKey);
  return { name, data: { userId, courseKey }, jobId, opts: generationJobs(courseKey, [userId], ctx.config.generation)[0].opts };
}
