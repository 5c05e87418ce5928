import type { DataSource } from "typeorm";
import { randomUsablePassword } from "../../domain/accounts/random-password";
import { affectedRows } from "../../db/affected-rows";

/** What cancelling one learner's request came to. Ids and state names only (the caller prints them). */
export type CancellationOutcome =
  | { status: "cancelled"; userId: number }
  | { status: "no-status-row"; userId: number }
  | { status: "not-pending"; userId: number; stateName: string };

const PENDING = "PENDING";

/**
 * The LMS's cancellation of a retirement request (`handle_retirement_cancellation` in
 * `openedx/core/djangoapps/user_api/accounts/utils.py`, called by the `cancel_retirement` view, the Django admin's
 * cancel form and the `cancel_user_retirement_request` command), for a learner still in PENDING, in one transaction
 * that holds the status row:
 * - the user's email goes back to the status row's original email;
 * - the password becomes a usable hash of a random 25-character password nobody knows (upstream's
 *   `set_password(generate_password(length=25))`): the learner gets back in through password reset, which the LMS
 *   refuses to accounts whose password is unusable;
 * - the status row is deleted, and with it the request row (upstream's post_delete receiver on
 *   UserRetirementStatus deletes UserRetirementRequest when the deleted row was PENDING), so the LMS's
 *   "has requested retirement" checks (password reset, login) no longer see the learner.
 * Any other state refuses and changes nothing: the pipeline has started (the account is locked, data may be gone).
 */
export async function cancelRetirement(ds: DataSource, userId: number): Promise<CancellationOutcome> {
  // Hashed before the transaction: 600,000 PBKDF2 rounds must not hold the learner's row locked.
  const password = await randomUsablePassword();
  return ds.transaction(async (em) => {
    const rows: Array<{ id: number; original_email: string; state_name: string | null }> = await em.query(
      `SELECT s.id, s.original_email, r.state_name FROM user_api_userretirementstatus s
         LEFT JOIN user_api_retirementstate r ON r.id = s.current_state_id
        WHERE s.user_id = ? FOR UPDATE`,
      [userId],
    );
    const row = rows[0];
    if (!row) return { status: "no-status-row", userId };
    if (row.state_name !== PENDING) return { status: "not-pending", userId, stateName: row.state_name ?? `unknown state` };
    await em.query("UPDATE auth_user SET email = ?, password = ? WHERE id = ?", [row.original_email, password, userId]);
    const deleted = await em.query("DELETE FROM user_api_userretirementstatus WHERE id = ?", [row.id]);
    if (affectedRows(deleted) !== 1) throw new Error(`internal: the locked status row of user ${userId} could not be deleted`);
    await em.query("DELETE FROM user_api_userretirementrequest WHERE user_id = ?", [userId]);
    return { status: "cancelled", userId };
  });
}
