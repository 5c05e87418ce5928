/**
 * The values upstream writes into a row just before it deletes it, so that tools replicating the LMS database
 * (which may turn deletes into soft deletes) keep no PII in the row's last image. Each is upstream's exact value
 * (openedx-platform, after PR #37886; PR #38934 made every value the model's own instead of the caller's).
 */

/** `PendingEmailChange.redact_before_delete_fields` (common/djangoapps/student/models/user.py): `new_email`. */
export const PENDING_EMAIL_CHANGE_REDACTED = "redacted-before-delete@safe.com";

/** `PENDING_SECONDARY_EMAIL_REDACTED_VALUE` (same file), written by `redact_and_delete_pending_secondary_email`. */
export const PENDING_SECONDARY_EMAIL_REDACTED = "redact-before-delete@redacted.com";

/**
 * `AccountRecovery.retire_recovery_email` (same file): `secondary_email` is unique, so the value carries the user id.
 * As SQL over the row's own `user_id`, so one statement serves several learners.
 */
export const RECOVERY_EMAIL_REDACTED_SQL = "CONCAT('redact-before-delete+', user_id, '@redacted.com')";

export function recoveryEmailRedacted(userId: number): string {
  return `redact-before-delete+${userId}@redacted.com`;
}

/**
 * `get_redacted_social_auth_uid(pk)` (openedx/core/djangoapps/user_api/accounts/signals.py), written by the
 * `pre_delete` receiver of `UserSocialAuth` and upstream's bulk redaction (user_api/accounts/utils.py
 * `redact_and_delete_social_auth`): as SQL over the row's own primary key `id`.
 */
export const SOCIAL_AUTH_UID_REDACTED_SQL = "CONCAT('redacted-before-delete-', id, '@safe.com')";

/** The same for a row of support_historicalusersocialauth, whose primary key is `history_id`. */
export const HISTORICAL_SOCIAL_AUTH_UID_REDACTED_SQL = "CONCAT('redacted-before-delete-', history_id, '@safe.com')";
