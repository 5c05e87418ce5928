import type { EntityManager } from "typeorm";

/** CertificateStatuses.PASSED_STATUSES: a save with one of these sends COURSE_CERT_AWARDED. */
const PASSED_STATUSES = ["downloadable", "generating"];

/**
 * lms/djangoapps/certificates/models.py `handle_course_cert_awarded` → common/djangoapps/util/milestones_helpers.py
 * `fulfill_course_milestone(course_key, user)`, for every certificate among `certificateIds` that now has a passing
 * status: the milestones the course fulfils (edx-milestones `get_course_milestones(course_key, relationship=
 * "fulfills")`: active milestones_coursemilestone rows of the course whose relationship type is the active
 * 'fulfills' one) are added to the learner (`add_user_milestone` → data.create_user_milestone): a new
 * milestones_usermilestone row (created = modified = now, source '', collected NULL, active), or an inactive one
 * made active again (and its modified set, as save() does); an active one is left as it is. Without a 'fulfills'
 * relationship type (edx-milestones' migration 0002 seeds it) there is nothing to fulfil; upstream would seed the
 * types then, this writes nothing. Set-based, inside the certificate write's transaction.
 */
export async function fulfilCourseMilestones(m: EntityManager, certificateIds: readonly number[]): Promise<void> {
  if (certificateIds.length === 0) return;
  await m.query(
    `INSERT INTO milestones_usermilestone (created, modified, user_id, source, collected, active, milestone_id)
     SELECT UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), c.user_id, '', NULL, 1, cm.milestone_id
       FROM certificates_generatedcertificate c
       JOIN milestones_coursemilestone cm ON cm.course_id = c.course_id AND cm.active = 1
       JOIN milestones_milestonerelationshiptype t ON t.id = cm.milestone_relationship_type_id AND t.name = 'fulfills' AND t.active = 1
      WHERE c.id IN (?) AND c.status IN (?)
      ORDER BY c.id, cm.milestone_id
     ON DUPLICATE KEY UPDATE
       milestones_usermilestone.modified = IF(milestones_usermilestone.active = 1, milestones_usermilestone.modified, VALUES(modified)),
       milestones_usermilestone.active = 1`,
    [certificateIds, PASSED_STATUSES],
  );
}
