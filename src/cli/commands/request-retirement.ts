import { readFile } from "node:fs/promises";
import { parseRetireUserFile } from "../../domain/retirement/retire-user-file";
import { CommandError } from "../../errors/command-error";
import { errorCode } from "../../errors/error-code";
import { UsageError } from "../../errors/usage-error";
import { RetirementRequester, RetirementStatesMissingError, type RequestOutcome } from "../../services/retirement/retirement-requests";
import { asError } from "../../util/as-error";
import { parseIds } from "../args";
import { HELP_OPTION, type CliIo, type CommandBody } from "../command";
import { progressReporter, withAppContext } from "../runtime";

const NO_MATCH = "no user has this username with this email address";

/** One learner's outcome as a line naming ids only (never the username or email). */
function describe(outcome: RequestOutcome): string {
  if (outcome.status === "requested") return `user ${outcome.userId}: retirement requested (status row ${outcome.statusId}, PENDING)`;
  if (outcome.status === "already-requested") return `user ${outcome.userId}: already has a retirement status row; skipped`;
  return NO_MATCH;
}

/** The learners to request, from exactly one of the three ways of naming them (upstream's checks and texts). */
type Selection = { kind: "ids"; userIds: number[] } | { kind: "identity"; username: string; email: string } | { kind: "file"; path: string };

function selection(options: Record<string, unknown>): Selection {
  const userIds = parseIds(options["user-ids"] as string[] | undefined, "user id");
  const username = options.username as string | undefined;
  const email = options["user-email"] as string | undefined;
  const file = options["user-file"] as string | undefined;
  const ways = [userIds.length > 0, username !== undefined || email !== undefined, file !== undefined].filter(Boolean).length;
  if (ways > 1) {
    throw new UsageError("Use only one of --user-ids, --user-file, or --username with --user-email");
  }
  if (file !== undefined) return { kind: "file", path: file };
  if (username !== undefined || email !== undefined) {
    if (!username || !email) throw new UsageError("Please provide user_file or username and user_email parameter when running command");
    return { kind: "identity", username, email };
  }
  if (userIds.length === 0) throw new UsageError("You must specify --user-ids, --user-file, or --username with --user-email");
  return { kind: "ids", userIds };
}

async function readUserFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new CommandError(`Error while reading file: ${errorCode(asError(err))}`);
  }
}

/** The `--user-file` run: every row on its own, a bad row reported by its line number, then a summary. */
async function requestFromFile(requester: RetirementRequester, text: string, io: CliIo): Promise<number> {
  const rows = parseRetireUserFile(text);
  const progress = progressReporter(io, "rows");
  const failed: number[] = [];
  let requested = 0;
  let already = 0;
  for (const [i, row] of rows.entries()) {
    if ("problem" in row) {
      failed.push(row.line);
      io.err(`line ${row.line}: ${row.problem}`);
    } else {
      let outcome: RequestOutcome;
      try {
        outcome = await requester.byIdentity(row.username, row.email);
      } catch (err) {
        if (err instanceof RetirementStatesMissingError) throw new CommandError(err.message);
        // The driver's message may quote the row's values (a duplicate key): the code only.
        failed.push(row.line);
        io.err(`line ${row.line}: failed (${errorCode(asError(err))}); nothing changed for this row`);
        progress(i + 1, rows.length);
        continue;
      }
      if (outcome.status === "no-such-user") {
        failed.push(row.line);
        io.err(`line ${row.line}: ${NO_MATCH}`);
      } else {
        if (outcome.status === "requested") requested++;
        else already++;
        io.out(`line ${row.line}: ${describe(outcome)}`);
      }
    }
    progress(i + 1, rows.length);
  }
  const failures = failed.length === 0 ? "0 failed" : `${failed.length} failed (line${failed.length > 1 ? "s" : ""} ${failed.join(", ")})`;
  io.out(`${rows.length} rows: ${requested} requested, ${already} already requested, ${failures}`);
  return failed.length > 0 ? 1 : 0;
}

export const requestRetirementCommand: CommandBody = {
  usage: "openedx-workers request-retirement (--user-ids ID… | --username U --user-email E | --user-file CSV)",
  details: `What the LMS does when a learner deletes their account (deactivate_logout) or an operator runs its
retire_user command (create_retirement_request_and_deactivate_account). Per learner, in one transaction: the
request row and the PENDING status row (original username, email and name; retired_username/retired_email hashed
from RETIRED_USER_SALTS as the LMS does, reusing an earlier retired value); social-auth links redacted and deleted;
the email swapped to the retired email; an unusable password; the activation key (auth_registration) deleted; the
learner's OAuth2 access tokens, refresh tokens, grants and applications deleted; the recovery email redacted and
deleted. A learner who already has a status row is left as they are (skipped).
--username with --user-email: both must name the same user (as upstream's retire_user checks); otherwise exit 1
and nothing changes. --user-file: a CSV of username,email lines as retire_user reads it (an optional header line
"username,email"); each line is requested on its own, a bad line is reported by its number and the others go on,
then a summary; exit 1 if any line failed. Output names user ids and line numbers only. Needs RETIRED_USER_SALTS.`,
  options: {
    "user-ids": { type: "list", aliases: ["--user_ids"], valueName: "ID", description: "auth_user ids of the learners" },
    username: { type: "string", valueName: "U", description: "the learner's username (with --user-email)" },
    "user-email": { type: "string", aliases: ["--user_email"], valueName: "E", description: "the learner's email address (with --username)" },
    "user-file": { type: "string", aliases: ["--user_file"], valueName: "CSV", description: "a file of username,email lines (upstream's retire_user --user_file)" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const chosen = selection(options);
    const fileText = chosen.kind === "file" ? await readUserFile(chosen.path) : undefined;
    return withAppContext(io, ["RETIRED_USER_SALTS"], async (ctx) => {
      const requester = new RetirementRequester(ctx.dataSource, ctx.config.retirement);
      try {
        if (chosen.kind === "file") return await requestFromFile(requester, fileText!, io);
        if (chosen.kind === "identity") {
          const outcome = await requester.byIdentity(chosen.username, chosen.email);
          if (outcome.status === "no-such-user") throw new CommandError(`No user has this username with this email address; nothing changed`);
          io.out(describe(outcome));
          return 0;
        }
        return await requestByIds(requester, chosen.userIds, io);
      } catch (err) {
        if (err instanceof RetirementStatesMissingError) throw new CommandError(err.message);
        throw err;
      }
    });
  },
};

async function requestByIds(requester: RetirementRequester, userIds: number[], io: CliIo): Promise<number> {
  const progress = progressReporter(io, "requested");
  let unknown = 0;
  for (const [i, userId] of userIds.entries()) {
    const outcome = await requester.byUserId(userId);
    if (outcome.status === "no-such-user") {
      unknown++;
      io.err(`user ${userId}: no such user; skipped`);
    } else io.out(describe(outcome));
    progress(i + 1, userIds.length, i + 1 === userIds.length && userIds.length > 1);
  }
  return unknown > 0 ? 1 : 0;
}
