import type { EntityManager } from "typeorm";
import { unusablePassword } from "../../domain/accounts/unusable-password";
import { RECOVERY_EMAIL_REDACTED_SQL, SOCIAL_AUTH_UID_REDACTED_SQL } from "../../domain/retirement/redact-before-delete";
import { SOCIAL_AUTH_HISTORY } from "../../db/lms-schema/families/retirement";
import type { LmsSchemaSnapshot } from "../../db/lms-schema/lms-schema-snapshot";
import { retireDotOauth2Models } from "./oauth2-retirement";

/**
 * What upstream's `create_retirement_request_and_deactivate_account(user)`
 * (openedx/core/djangoapps/user_api/accounts/utils.py) does after `UserRetirementStatus.create_retirement`, in its
 * order, inside the caller's transaction:
 * 1. `UserSocialAuth.objects.filter(user_id=…).delete()`: each link is first redacted by the `pre_delete` receiver
 *    `redact_social_auth_pii_before_deletion` (user_api/accounts/signals.py: uid → get_redacted_social_auth_uid(pk),
 *    extra_data → {}), and the support app's simple-history registration of UserSocialAuth (lms/djangoapps/support/
 *    models.py) records the deletion as a `-` row of support_historicalusersocialauth. Here that row carries the
 *    redacted values (upstream's in-memory instance may still hold the original uid; retire_misc deletes those rows);
 *    history_user is NULL, as for upstream's `retire_user` command, which has no request. An LMS without the history
 *    table (the registry's optional SOCIAL_AUTH_HISTORY) gets no row.
 * 2. `user.email = get_retired_email_by_email(…)`, `set_unusable_password()`, `save()`.
 * 3. `Registration.objects.filter(user=user).delete()` (auth_registration: the activation key).
 * 4. `retire_dot_oauth2_models(user)` (with the ID tokens of an LMS that has them).
 * 5. `AccountRecovery.retire_recovery_email(user.id)` (common/djangoapps/student/models/user.py): the row's
 *    secondary_email redacted to `redact-before-delete+<user id>@redacted.com`, then deleted.
 */
export async function deactivateAccount(em: EntityManager, userId: number, retiredEmail: string, schema: LmsSchemaSnapshot): Promise<void> {
  const links: unknown[] = await em.query("SELECT id FROM social_auth_usersocialauth WHERE user_id = ? FOR UPDATE", [userId]);
  if (links.length > 0) {
    await em.query(`UPDATE social_auth_usersocialauth SET uid = ${SOCIAL_AUTH_UID_REDACTED_SQL}, extra_data = '{}' WHERE user_id = ?`, [userId]);
    if (schema.has(SOCIAL_AUTH_HISTORY)) {
      await em.query(
        `INSERT INTO support_historicalusersocialauth
           (id, provider, uid, extra_data, created, modified, history_date, history_change_reason, history_type, history_user_id, user_id)
         SELECT id, provider, uid, extra_data, created, modified, UTC_TIMESTAMP(6), NULL, '-', NULL, user_id
         FROM social_auth_usersocialauth WHERE user_id = ? ORDER BY id`,
        [userId],
      );
    }
    await em.query("DELETE FROM social_auth_usersocialauth WHERE user_id = ?", [userId]);
  }
  await em.query("UPDATE auth_user SET email = ?, password = ? WHERE id = ?", [retiredEmail, unusablePassword(), userId]);
  await em.query("DELETE FROM auth_registration WHERE user_id = ?", [userId]);
  await retireDotOauth2Models(em, userId, schema);
  await em.query(`UPDATE auth_accountrecovery SET secondary_email = ${RECOVERY_EMAIL_REDACTED_SQL} WHERE user_id = ?`, [userId]);
  await em.query("DELETE FROM auth_accountrecovery WHERE user_id = ?", [userId]);
}
