import { CommandError } from "../../errors/command-error";
import { UsageError } from "../../errors/usage-error";
import { RetirementStatesMissingError, requestRetirement } from "../../services/retirement/retirement-requests";
import { parseIds } from "../args";
import { HELP_OPTION, type CommandBody } from "../command";
import { progressReporter, withAppContext } from "../runtime";

export const requestRetirementCommand: CommandBody = {
  usage: "openedx-workers request-retirement --user-ids ID…",
  details: `For standalone use and tests: in production the LMS creates these rows (deactivate_logout, retire_user).
Per learner, in one transaction: user_api_userretirementrequest and user_api_userretirementstatus (PENDING, with
retired_username/retired_email hashed from RETIRED_USER_SALTS as the LMS does, reusing an earlier retired value),
the email swapped to the retired email, an unusable password, the recovery email retired. Learners who already
have a status row are skipped. Output names user ids only. Needs RETIRED_USER_SALTS.`,
  options: {
    "user-ids": { type: "list", aliases: ["--user_ids"], valueName: "ID", description: "auth_user ids of the learners" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const userIds = parseIds(options["user-ids"] as string[] | undefined, "user id");
    if (userIds.length === 0) throw new UsageError("You must specify one or more user IDs");
    return withAppContext(io, ["RETIRED_USER_SALTS"], async (ctx) => {
      const progress = progressReporter(io, "requested");
      let unknown = 0;
      for (const [i, userId] of userIds.entries()) {
        let outcome;
        try {
          outcome = await requestRetirement(ctx.dataSource, userId, ctx.config.retirement);
        } catch (err) {
          if (err instanceof RetirementStatesMissingError) throw new CommandError(err.message);
          throw err;
        }
        if (outcome.status === "requested") io.out(`user ${userId}: retirement requested (status row ${outcome.statusId}, PENDING)`);
        else if (outcome.status === "already-requested") io.out(`user ${userId}: already has a retirement status row; skipped`);
        else {
          unknown++;
          io.err(`user ${userId}: no such user; skipped`);
        }
        progress(i + 1, userIds.length, i + 1 === userIds.length && userIds.length > 1);
      }
      return unknown > 0 ? 1 : 0;
    });
  },
};
