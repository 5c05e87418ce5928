import type { EntityManager } from "typeorm";
import { courseRunOrg } from "../../domain/organizations/organization-keys";
import type { LearnerStatus } from "./retirement-status-store";

/** upstream's bogus default org value, which its partner report skips. */
const NO_ORG = "outdated_entry";

/**
 * upstream's `retirement_partner_status_create` (PUT retirement_partner_report/, the driver's
 * `retirement_partner_queue`): when the learner was ever enrolled in a course of some org, a
 * UserRetirementPartnerReportingStatus row is created (get_or_create: an existing row is kept) with the original
 * username, email and name from the status row. That row holds PII on purpose: upstream's partner report
 * (`retirement_partner_report.py`) reads it through the LMS API, sends each org its list, and deletes the rows it
 * reported (`retirement_partner_report_cleanup/`). Returns the orgs found (upstream answers 204 either way).
 */
export async function addToPartnerQueue(em: EntityManager, learner: LearnerStatus): Promise<string[]> {
  const enrollments: Array<{ course_id: string }> = await em.query("SELECT DISTINCT course_id FROM student_courseenrollment WHERE user_id = ?", [learner.userId]);
  const orgs = [...new Set(enrollments.map((e) => courseRunOrg(e.course_id)).filter((o): o is string => !!o && o !== NO_ORG))].sort();
  if (orgs.length === 0) return orgs;
  await em.query(
    `INSERT INTO user_api_userretirementpartnerreportingstatus (created, modified, original_username, original_email, original_name, is_being_processed, user_id)
     SELECT UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), s.original_username, s.original_email, s.original_name, 0, s.user_id
       FROM user_api_userretirementstatus s
      WHERE s.user_id = ? AND NOT EXISTS (SELECT 1 FROM user_api_userretirementpartnerreportingstatus p WHERE p.user_id = s.user_id)`,
    [learner.userId],
  );
  return orgs;
}
