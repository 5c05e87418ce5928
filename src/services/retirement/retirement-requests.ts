import type { DataSource, EntityManager } from "typeorm";
import { retiredEmailFor, retiredUsernameFor, type RetiredIdentifierFormat } from "../../domain/retirement/retired-identifiers";
import { creationText } from "../../domain/retirement/state-transitions";
import { unusablePassword } from "../../domain/accounts/unusable-password";
import { RetirementState, UserRetirementRequest, UserRetirementStatus } from "../../entities/lms";

type RequestOutcome =
  | { userId: number; status: "requested"; statusId: number }
  | { userId: number; status: "already-requested" | "unknown-user" };

/** Upstream's text when the state table is empty. */
const NO_DEFAULT_STATE = "Default state does not exist! Populate retirement states to retire users.";

export class RetirementStatesMissingError extends Error {}

/**
 * What the LMS does when a learner asks to be deleted (create_retirement_request_and_deactivate_account, for the
 * tables in our schema), for standalone use and tests: one transaction per learner creates the request row and the
 * PENDING status row with the retired identifiers, swaps the email to the retired email, sets an unusable
 * password and retires the recovery email.
 */
export async function requestRetirement(ds: DataSource, userId: number, format: RetiredIdentifierFormat): Promise<RequestOutcome> {
  return ds.transaction(async (em) => {
    const pending = await em.getRepository(RetirementState).findOne({ where: {}, order: { stateExecutionOrder: "ASC" } });
    if (!pending) throw new RetirementStatesMissingError(NO_DEFAULT_STATE);
    const users: Array<{ username: string; email: string; name: string | null }> = await em.query(
      "SELECT u.username, u.email, p.name FROM auth_user u LEFT JOIN auth_userprofile p ON p.user_id = u.id WHERE u.id = ? FOR UPDATE",
      [userId],
    );
    const user = users[0];
    if (!user) return { userId, status: "unknown-user" };
    if (await em.getRepository(UserRetirementStatus).exists({ where: { userId } })) return { userId, status: "already-requested" };

    const retiredUsername = (await previousRetiredValue(em, "original_username", "retired_username", user.username)) ?? retiredUsernameFor(user.username, format);
    const retiredEmail = (await previousRetiredValue(em, "original_email", "retired_email", user.email)) ?? retiredEmailFor(user.email, format);
    const now = new Date();
    await em.getRepository(UserRetirementRequest).insert({ userId, created: now, modified: now });
    const inserted = await em.getRepository(UserRetirementStatus).insert({
      userId,
      created: now,
      modified: now,
      originalUsername: user.username,
      originalEmail: user.email,
      originalName: user.name ?? "",
      retiredUsername,
      retiredEmail,
      currentStateId: pending.id,
      lastStateId: pending.id,
      responses: creationText(pending),
    });
    await em.query("UPDATE auth_user SET email = ?, password = ? WHERE id = ?", [retiredEmail, unusablePassword(), userId]);
    await em.query("DELETE FROM auth_accountrecovery WHERE user_id = ?", [userId]);
    return { userId, status: "requested", statusId: Number(inserted.identifiers[0].id) };
  });
}

/** get_retired_username_by_username / get_retired_email_by_email: reuse the newest stored retired value. */
async function previousRetiredValue(em: EntityManager, originalColumn: string, retiredColumn: string, value: string): Promise<string | undefined> {
  const rows: Array<{ retired: string }> = await em.query(
    `SELECT ${retiredColumn} AS retired FROM user_api_userretirementstatus WHERE ${originalColumn} = ? ORDER BY modified DESC, id DESC LIMIT 1`,
    [value],
  );
  return rows[0]?.retired;
}
