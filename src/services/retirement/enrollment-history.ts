import type { EntityManager } from "typeorm";
import { ENROLLMENT_HISTORY } from "../../db/lms-schema/families/retirement";
import { lmsSchemaOf } from "../../db/lms-schema/lms-schema-inspector";

/** A student_courseenrollment row as the unenroll step read it (before it deactivated it). */
export interface EnrollmentRow {
  id: number;
  user_id: number;
  course_id: string;
  created: Date | null;
  is_active: number;
  mode: string;
}

/**
 * The simple-history rows that upstream's unenroll writes (CourseEnrollment's `history = HistoricalRecords(...)`,
 * table student_courseenrollment_history, a UUID `history_id` stored as 32 hex characters): every `save()` of a
 * CourseEnrollment adds a `~` row copying the enrollment (id, course_id, user_id, created, is_active, mode), with
 * `history_date` now, no change reason, and `history_user` the request's user: the retirement service user whose
 * token called the endpoint (RETIREMENT_SERVICE_WORKER_USERNAME; NULL if this LMS has no such user).
 * `_update_enrollment` (enrollments/data.py) calls `enrollment.update_enrollment(is_active=False)`, which saves
 * when the enrollment was active, and then `enrollment.save()` again: an active enrollment gets two rows, an
 * inactive one one row, all with is_active 0. An LMS without the history table (history turned off) gets none.
 */
export class EnrollmentHistory {
  constructor(private readonly serviceWorkerUsername: string) {}

  /** `enrollments`: the learners' enrollments as read before the step deactivated them (the active ones save twice). */
  async recordUnenrollment(em: EntityManager, enrollments: readonly EnrollmentRow[]): Promise<void> {
    if (enrollments.length === 0 || !(await lmsSchemaOf(em.connection).snapshot(em)).has(ENROLLMENT_HISTORY)) return;
    const [serviceUser] = await em.query("SELECT id FROM auth_user WHERE username = ?", [this.serviceWorkerUsername]);
    const wasActive = enrollments.filter((e) => Number(e.is_active) === 1).map((e) => e.id);
    // Copied in SQL so `created` keeps its microseconds; UUID() is evaluated per row (Django's uuid4().hex has the
    // same form). The history table has no AUTO_INCREMENT, so INSERT … SELECT takes no table-wide lock.
    await em.query(
      `INSERT INTO student_courseenrollment_history
         (id, created, is_active, mode, history_id, history_date, history_change_reason, history_type, course_id, history_user_id, user_id)
       SELECT e.id, e.created, 0, e.mode, REPLACE(UUID(), '-', ''), UTC_TIMESTAMP(6), NULL, '~', e.course_id, ?, e.user_id
       FROM student_courseenrollment e JOIN (SELECT 1 AS n UNION ALL SELECT 2) k ON k.n = 1 OR e.id IN (?)
       WHERE e.id IN (?)
       ORDER BY e.user_id, e.course_id, k.n`,
      [serviceUser ? Number(serviceUser.id) : null, wasActive.length > 0 ? wasActive : [0], enrollments.map((e) => e.id)],
    );
  }
}
