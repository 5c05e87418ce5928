import type { EntityManager } from "typeorm";
import { courseRunOrg } from "../../domain/organizations/organization-keys";
import { learnerOrgs } from "../../domain/retirement/partner-report";
import type { LearnerStatus } from "./retirement-status-store";

/**
 * upstream's `retirement_partner_status_create` (PUT retirement_partner_report/, the driver's
 * `retirement_partner_queue`): when the learner was ever enrolled in a course of some org, a
 * UserRetirementPartnerReportingStatus row is created (get_or_create: an existing row is kept) with the original
 * username, email and name from the status row. That row holds PII on purpose: upstream's partner report
 * (`retirement_partner_report.py`) reads it through the LMS API, sends each org its list, and deletes the rows it
 * reported (`retirement_partner_report_cleanup/`); `openedx-workers partner-report` does the same here. For several learners at once; returns each one's orgs (upstream
 * answers 204 either way).
 */
export async function addToPartnerQueue(em: EntityManager, learners: readonly LearnerStatus[]): Promise<Map<number, string[]>> {
  const enrollments: Array<{ user_id: number; course_id: string }> = await em.query(
    "SELECT DISTINCT user_id, course_id FROM student_courseenrollment WHERE user_id IN (?)",
    [learners.map((l) => l.userId)],
  );
  const orgs = new Map<number, string[]>();
  for (const l of learners) {
    orgs.set(l.userId, learnerOrgs(enrollments.filter((e) => Number(e.user_id) === l.userId).map((e) => courseRunOrg(e.course_id))));
  }
  const reported = learners.filter((l) => orgs.get(l.userId)!.length > 0).map((l) => l.userId);
  if (reported.length === 0) return orgs;
  await em.query(
    `INSERT INTO user_api_userretirementpartnerreportingstatus (created, modified, original_username, original_email, original_name, is_being_processed, user_id)
     SELECT UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), s.original_username, s.original_email, s.original_name, 0, s.user_id
       FROM user_api_userretirementstatus s
      WHERE s.user_id IN (?) AND NOT EXISTS (SELECT 1 FROM user_api_userretirementpartnerreportingstatus p WHERE p.user_id = s.user_id)
      ORDER BY s.user_id`,
    [reported],
  );
  return orgs;
}
