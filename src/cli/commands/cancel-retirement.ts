import { CommandError } from "../../errors/command-error";
import { UsageError } from "../../errors/usage-error";
import { cancelRetirement } from "../../services/retirement/retirement-cancellation";
import { parseIds } from "../args";
import { HELP_OPTION, type CommandBody } from "../command";
import { withAppContext } from "../runtime";

export const cancelRetirementCommand: CommandBody = {
  usage: "openedx-workers cancel-retirement --user-id ID",
  details: `What the LMS's cancel does (handle_retirement_cancellation, behind the cancel_retirement view, the Django
admin's Cancel button and the cancel_user_retirement_request command), for a learner still in PENDING, in one
transaction: the user's email goes back to the original email, the password becomes a usable hash of a random
25-character password (the learner signs in again through password reset, which the LMS refuses to unusable
passwords), and the status row and the request row are deleted. In any other state it refuses (exit 1) and changes
nothing. Output names the user id only.`,
  options: {
    "user-id": { type: "string", aliases: ["--user_id"], valueName: "ID", description: "The learner's auth_user id" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    if (options["user-id"] === undefined) throw new UsageError("--user-id is required");
    const [userId] = parseIds([String(options["user-id"])], "user id");
    return withAppContext(io, [], async (ctx) => {
      const outcome = await cancelRetirement(ctx.dataSource, userId);
      if (outcome.status === "no-status-row") throw new CommandError(`user ${userId} has no retirement request`);
      if (outcome.status === "not-pending") {
        throw new CommandError(`user ${userId}: retirement requests can only be cancelled in the PENDING state; the learner is in ${outcome.stateName}. Nothing changed`);
      }
      io.out(`user ${userId}: retirement request cancelled; email restored, status and request rows deleted (the learner sets a new password through password reset)`);
      return 0;
    });
  },
};
