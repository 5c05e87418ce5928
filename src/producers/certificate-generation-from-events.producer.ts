import type { GenerationConfig } from "../config";
import { parseCourseKey } from "../domain/course-key";
import type { Logger } from "../logging/logger";
import type { JobRequest, QueueSet } from "../queues/queue-set";
import { JobName, jobIds } from "../queues/registry";
import type { EventHandler } from "../services/event-bus/event-bus-consumer";
import { EventType } from "../services/event-bus/event-types";
import { enqueueGenerations, generationJobs } from "./certificate-generation.producer";

/**
 * Turns consumed Open edX events into certificate generation jobs, as upstream's signal handlers call
 * generate_certificate_task (lms/djangoapps/certificates/signals.py):
 * - org.openedx.learning.course.passing.status.updated.v1 with is_passing → a generation job for that learner and
 *   course run (like the COURSE_GRADE_NOW_PASSED handler; the job applies every rule, so an already downloadable
 *   certificate stays as it is);
 * - with is_passing false → a mark-certificate-notpassing job (the COURSE_GRADE_NOW_FAILED handler: a passing
 *   certificate becomes notpassing unless the learner is on the allowlist).
 * Other event types on the consumed topics are acknowledged and ignored. The handler resolves once the job is in
 * Redis, so the entry is acknowledged only then. Ids only reach the job and the logs.
 */
export function generationFromEvents(queues: QueueSet, config: GenerationConfig, logger: Logger): EventHandler {
  return async (event, where) => {
    const { type, id: eventId } = event.metadata;
    if (type !== EventType.CoursePassingStatusUpdated || !("course_passing_status" in event.data)) {
      logger.debug("event type not consumed; acknowledged", { ...where, eventType: type, eventId });
      return;
    }
    const status = event.data.course_passing_status;
    const userId = Number(status.user.id);
    const courseKey = status.course.course_key;
    const base = { ...where, eventId, userId, courseKey };
    if (!Number.isSafeInteger(userId) || userId < 1 || !parseCourseKey(courseKey)) {
      logger.error("course passing status event with an invalid user id or course key; skipped", { ...where, eventId });
      return;
    }
    const job: JobRequest = status.is_passing
      ? generationJobs(courseKey, [userId], config)[0]
      : { name: JobName.MarkCertificateNotPassing, data: { userId, courseKey }, jobId: jobIds.markCertificateNotPassing(userId, courseKey), opts: generationJobs(courseKey, [userId], config)[0].opts };
    const { enqueued } = await enqueueGenerations(queues, [job]);
    logger.info(`course passing status: ${job.name} ${enqueued ? "enqueued" : "already pending"}`, { ...base, isPassing: status.is_passing });
  };
}
