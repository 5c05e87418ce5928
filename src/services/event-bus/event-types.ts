/**
 * The Open edX events this service publishes or consumes, and the openedx-events release whose schemas are
 * vendored in ./schemas. `sourcelib` on the wire is this version (edx-event-bus-redis writes the producing
 * library's version there).
 */
export const OPENEDX_EVENTS_VERSION = "11.2.0";

export enum EventType {
  CertificateCreated = "org.openedx.learning.certificate.created.v1",
  CertificateChanged = "org.openedx.learning.certificate.changed.v1",
  CertificateRevoked = "org.openedx.learning.certificate.revoked.v1",
  CoursePassingStatusUpdated = "org.openedx.learning.course.passing.status.updated.v1",
  /** EXAM_ATTEMPT_REJECTED, produced by edx-exams on learning-exam-attempt-lifecycle. */
  ExamAttemptRejected = "org.openedx.learning.exam.attempt.rejected.v1",
  /** IDV_ATTEMPT_APPROVED, produced by the LMS's verify_student (in-process unless its producer config routes it). */
  IdvAttemptApproved = "org.openedx.learning.idv_attempt.approved.v1",
}

export const CERTIFICATE_EVENT_TYPES = [EventType.CertificateCreated, EventType.CertificateChanged, EventType.CertificateRevoked] as const;
export type CertificateEventType = (typeof CERTIFICATE_EVENT_TYPES)[number];

/** openedx-events' UserData / UserPersonalData / CourseData, field for field (snake_case, as on the wire). */
interface UserData {
  id: number;
  is_active: boolean;
  pii: { username: string; email: string; name: string };
}

interface CourseData {
  course_key: string;
  display_name: string;
  start: string | null;
  end: string | null;
}

/** openedx-events' CertificateData. */
export interface CertificateData {
  user: UserData;
  course: CourseData;
  mode: string;
  grade: string;
  download_url: string;
  name: string;
  current_status: string;
  previous_status: string;
}

/** openedx-events' CoursePassingStatusData. */
interface CoursePassingStatusData {
  is_passing: boolean;
  course: CourseData;
  user: UserData;
}

/** openedx-events' ExamAttemptData. */
interface ExamAttemptData {
  student_user: UserData;
  course_key: string;
  usage_key: string;
  exam_type: string;
  requesting_user: UserData | null;
}

/** openedx-events' VerificationAttemptData. */
interface VerificationAttemptData {
  attempt_id: number;
  user: UserData;
  status: string;
  name: string | null;
  expiration_date: string | null;
}

/** The signal's keyword arguments, as openedx-events serializes them (one top-level field per argument). */
export interface EventPayloads {
  [EventType.CertificateCreated]: { certificate: CertificateData };
  [EventType.CertificateChanged]: { certificate: CertificateData };
  [EventType.CertificateRevoked]: { certificate: CertificateData };
  [EventType.CoursePassingStatusUpdated]: { course_passing_status: CoursePassingStatusData };
  [EventType.ExamAttemptRejected]: { exam_attempt: ExamAttemptData };
  [EventType.IdvAttemptApproved]: { idv_attempt: VerificationAttemptData };
}

export function isKnownEventType(type: string): type is EventType {
  return (Object.values(EventType) as string[]).includes(type);
}

/** The file name openedx-events gives an event type's schema: dots become '+', then `_schema.avsc`. */
export function schemaFileName(type: EventType): string {
  return `${type.replace(/\./g, "+")}_schema.avsc`;
}
