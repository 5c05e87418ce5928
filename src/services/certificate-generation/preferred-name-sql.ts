/**
 * lms/djangoapps/certificates/utils.py `get_preferred_certificate_name` as an SQL expression, so the name is read and
 * written by the database and never passes through this process: the profile name (`student_api.get_name`, ''
 * without a profile), unless edx-name-affirmation is installed and the learner's newest VerifiedNameConfig has
 * `use_verified_name_for_certs` (`should_use_verified_name_for_certs`: VerifiedNameConfig.current(user), newest by
 * change_date), in which case their newest approved VerifiedName (`get_verified_name(user, is_verified=True)`,
 * newest by created), if they have one. Each `?` is the learner's user id.
 */
export interface PreferredNameSql {
  sql: string;
  params(userId: number): number[];
}

const PROFILE_NAME = "(SELECT p.name FROM auth_userprofile p WHERE p.user_id = ?)";

const VERIFIED_NAME_IF_CHOSEN = `(SELECT v.verified_name FROM nameaffirmation_verifiedname v
   WHERE v.user_id = ? AND v.status = 'approved'
     AND (SELECT c.use_verified_name_for_certs FROM nameaffirmation_verifiednameconfig c
           WHERE c.user_id = v.user_id ORDER BY c.change_date DESC, c.id DESC LIMIT 1) = 1
   ORDER BY v.created DESC, v.id DESC LIMIT 1)`;

export function preferredNameSql(nameAffirmation: boolean): PreferredNameSql {
  if (!nameAffirmation) return { sql: `COALESCE(${PROFILE_NAME}, '')`, params: (userId) => [userId] };
  return { sql: `COALESCE(${VERIFIED_NAME_IF_CHOSEN}, ${PROFILE_NAME}, '')`, params: (userId) => [userId, userId] };
}
