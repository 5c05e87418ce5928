import type { DataSource, EntityManager } from "typeorm";
import { retiredEmailFor, retiredUsernameFor, type RetiredIdentifierFormat } from "../../domain/retirement/retired-identifiers";
import { creationText } from "../../domain/retirement/state-transitions";
import { RetirementState, UserRetirementRequest, UserRetirementStatus } from "../../entities/lms";
import { lmsSchemaOf } from "../../db/lms-schema/lms-schema-inspector";
import { deactivateAccount } from "./account-deactivation";

export type RequestOutcome =
  | { status: "requested"; userId: number; statusId: number }
  | { status: "already-requested"; userId: number }
  /** No auth_user row with this id (by id), or none with both this username and this email (by identity). */
  | { status: "no-such-user" };

/** Upstream's text when the state table is empty. */
const NO_DEFAULT_STATE = "Default state does not exist! Populate retirement states to retire users.";

export class RetirementStatesMissingError extends Error {}

interface UserRow {
  id: number;
  username: string;
  email: string;
  name: string | null;
}

const USER_COLUMNS = "SELECT u.id, u.username, u.email, p.name FROM auth_user u LEFT JOIN auth_userprofile p ON p.user_id = u.id";

/**
 * What the LMS does when a learner asks to be deleted (`deactivate_logout/`) or an operator runs its `retire_user`
 * command: upstream's `create_retirement_request_and_deactivate_account` (openedx/core/djangoapps/user_api/accounts/
 * utils.py), one transaction per learner: `UserRetirementStatus.create_retirement` (the request row and the PENDING
 * status row with the original username, email and name and the retired ones), then the account's deactivation
 * (account-deactivation.ts). A learner who already has a status row is left as they are.
 */
export class RetirementRequester {
  constructor(
    private readonly ds: DataSource,
    private readonly format: RetiredIdentifierFormat,
  ) {}

  async byUserId(userId: number): Promise<RequestOutcome> {
    return this.ds.transaction(async (em) => {
      const [user] = (await em.query(`${USER_COLUMNS} WHERE u.id = ? FOR UPDATE`, [userId])) as UserRow[];
      return user ? this.request(em, user) : { status: "no-such-user" };
    });
  }

  /**
   * upstream's `retire_user --username U --user_email E` and each row of its `--user_file`: the user must have both
   * (`User.objects.get(username=…, email=…)`, compared with the database's own collation, as Django's lookup is).
   * Someone already requested no longer has their email (it was swapped for the retired one): they are recognised
   * by their status row's original username and email, so a CSV can be run again after a partial failure.
   */
  async byIdentity(username: string, email: string): Promise<RequestOutcome> {
    return this.ds.transaction(async (em) => {
      const [user] = (await em.query(`${USER_COLUMNS} WHERE u.username = ? AND u.email = ? FOR UPDATE`, [username, email])) as UserRow[];
      if (user) return this.request(em, user);
      const [requested] = await em.query("SELECT user_id FROM user_api_userretirementstatus WHERE original_username = ? AND original_email = ? LIMIT 1", [
        username,
        email,
      ]);
      return requested ? { status: "already-requested", userId: Number(requested.user_id) } : { status: "no-such-user" };
    });
  }

  private async request(em: EntityManager, user: UserRow): Promise<RequestOutcome> {
    const userId = Number(user.id);
    const pending = await em.getRepository(RetirementState).findOne({ where: {}, order: { stateExecutionOrder: "ASC" } });
    if (!pending) throw new RetirementStatesMissingError(NO_DEFAULT_STATE);
    if (await em.getRepository(UserRetirementStatus).exists({ where: { userId } })) return { status: "already-requested", userId };

    const retiredUsername = (await previousRetiredValue(em, "original_username", "retired_username", user.username)) ?? retiredUsernameFor(user.username, this.format);
    const retiredEmail = (await previousRetiredValue(em, "original_email", "retired_email", user.email)) ?? retiredEmailFor(user.email, this.format);
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
    await deactivateAccount(em, userId, retiredEmail, await lmsSchemaOf(this.ds).snapshot(em));
    return { status: "requested", userId, statusId: Number(inserted.identifiers[0].id) };
  }
}

/** get_retired_username_by_username / get_retired_email_by_email: reuse the newest stored retired value. */
async function previousRetiredValue(em: EntityManager, originalColumn: string, retiredColumn: string, value: string): Promise<string | undefined> {
  const rows: Array<{ retired: string }> = await em.query(
    `SELECT ${retiredColumn} AS retired FROM user_api_userretirementstatus WHERE ${originalColumn} = ? ORDER BY modified DESC, id DESC LIMIT 1`,
    [value],
  );
  return rows[0]?.retired;
}
