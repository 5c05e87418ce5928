import { parseCourseKey } from "../course-key";

/**
 * The body of upstream's unenroll endpoint when it unenrolled the learner: `unenroll_user_from_all_courses`
 * (openedx/core/djangoapps/enrollments/data.py) returns `{str(enrollment.course_id.org) for enrollment in
 * enrollments}` over every enrollment of the learner (active or not), which Django REST framework's JSONRenderer
 * writes as a compact JSON list (`["OrgX","OrgY"]`, non-ASCII as is). A Python set has no order; here the orgs are
 * sorted, so the same learner always gets the same text. A course_id opaque-keys cannot parse (upstream would fail
 * reading the row) adds no org.
 */
export function unenrollResponse(courseIds: readonly string[]): string {
  const orgs = new Set<string>();
  for (const courseId of courseIds) {
    const key = parseCourseKey(courseId);
    if (key) orgs.add(key.org);
  }
  return JSON.stringify([...orgs].sort());
}
