import type { AppContext } from "../../app/app-context";
import { describeState } from "../../domain/retirement/retirement-states";
import { TransitionRefusedError } from "../../domain/retirement/state-transitions";
import { DateOptionError, pastDay, requestDateWindow } from "../../domain/retirement/request-date-window";
import { CommandError } from "../../errors/command-error";
import { UsageError } from "../../errors/usage-error";
import { enqueueRetirements } from "../../producers/retirement-queue.producer";
import { bulkUpdateStatuses } from "../../services/retirement/retirement-bulk-status";
import { rewindErroredLearner, setLearnerState } from "../../services/retirement/retirement-operator-actions";
import { RetirementStatusStore, type LearnerStatus } from "../../services/retirement/retirement-status-store";
import { parseIds } from "../args";
import { HELP_OPTION, type CliIo, type Command, type CommandBody } from "../command";
import { progressReporter, withAppContext } from "../runtime";

const USER_ID = { "user-id": { type: "string" as const, aliases: ["--user_id"], valueName: "ID", description: "The learner's auth_user id" } };

function userIdOption(value: unknown): number {
  if (value === undefined) throw new UsageError("--user-id is required");
  return parseIds([String(value)], "user id")[0];
}

async function loadLearner(store: RetirementStatusStore, userId: number): Promise<LearnerStatus> {
  const learner = await store.load(userId);
  if (!learner) throw new CommandError(`user ${userId} has no retirement status row`);
  return learner;
}

const setCommand: Command = {
  name: "set",
  summary: "Move a learner to a state (forward only; --force for any move, e.g. out of ERRORED or COMPLETE)",
  usage: "openedx-workers retirement-status set --user-id ID --state STATE [--force] [--response TEXT]",
  details: `The move is recorded in responses as upstream's update_retirement_status does. Without --force only a move
to a later state is accepted, and never out of ERRORED, ABORTED or COMPLETE. To retry an ERRORED learner, move it
to the *_COMPLETE state before the failed step (rewind-errored does that), not to the failed RETIRING_* state.`,
  options: {
    ...USER_ID,
    state: { type: "string", valueName: "STATE", description: "Target state name" },
    force: { type: "boolean", description: "Allow backward moves and moves out of dead-end states" },
    response: { type: "string", valueName: "TEXT", description: "Text recorded in responses (default: who made the move)" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const userId = userIdOption(options["user-id"]);
    if (!options.state) throw new UsageError("--state is required");
    return withAppContext(io, [], async (ctx) => {
      const states = await new RetirementStatusStore(ctx.dataSource).states();
      // A state name not in the table is a usage error (exit 2), told before any learner is looked at.
      if (!states.some((s) => s.stateName === String(options.state))) {
        throw new UsageError(`unknown retirement state "${String(options.state)}"; the states are: ${states.map((s) => s.stateName).join(", ")}`);
      }
      const force = options.force === true;
      const response = (options.response as string | undefined) ?? `Set by openedx-workers retirement-status set${force ? " --force" : ""}`;
      let result;
      try {
        result = await setLearnerState(new RetirementStatusStore(ctx.dataSource), userId, String(options.state), { force, response });
      } catch (err) {
        if (err instanceof TransitionRefusedError) throw new CommandError(`user ${userId}: ${err.message}`);
        throw err;
      }
      if (result.status === "no-status-row") throw new CommandError(`user ${userId} has no retirement status row`);
      if (result.status !== "moved") throw new CommandError(`user ${userId} changed state meanwhile; nothing done, check retirement-status and try again`);
      io.out(`user ${userId}: ${describeState(result.from)} -> ${describeState(result.to)}`);
      return 0;
    });
  },
};

const rewindErroredCommand: Command = {
  name: "rewind-errored",
  summary: "Move ERRORED learners back to the *_COMPLETE state before the failed step and enqueue them again",
  usage: "openedx-workers retirement-status rewind-errored (--user-id ID… | --all) [--no-enqueue]",
  details: `As upstream's recovery guide advises: read responses, fix the cause, then rewind to the state just before the
step to retry (PENDING when the first step failed). The worker then resumes from there; earlier steps are not
repeated. Learners are enqueued at once unless --no-enqueue (then the next retire-learners run picks them up).`,
  options: {
    "user-id": { type: "list", aliases: ["--user_id", "--user-ids"], valueName: "ID", description: "These ERRORED learners" },
    all: { type: "boolean", description: "Every ERRORED learner" },
    "no-enqueue": { type: "boolean", description: "Only rewind; do not enqueue" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const given = parseIds(options["user-id"] as string[] | undefined, "user id");
    if ((given.length > 0) === (options.all === true)) throw new UsageError("give either --user-id ID… or --all");
    return withAppContext(io, ["RETIRED_USER_SALTS"], (ctx) => rewindErrored(ctx, given, options.all === true, options["no-enqueue"] !== true, io));
  },
};

async function rewindErrored(ctx: AppContext, given: number[], all: boolean, enqueue: boolean, io: CliIo): Promise<number> {
  const store = new RetirementStatusStore(ctx.dataSource);
  const states = await store.states();
  const userIds = all
    ? (
        await ctx.dataSource.query(
          "SELECT s.user_id FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id WHERE r.state_name = 'ERRORED' ORDER BY s.id",
        )
      ).map((r: { user_id: number }) => Number(r.user_id))
    : given;
  const progress = progressReporter(io, "rewound");
  const rewound: number[] = [];
  let problems = 0;
  for (const [i, userId] of userIds.entries()) {
    const result = await rewindErroredLearner(store, ctx.config.retirement.pipeline, userId, {
      states,
      response: (failedIn) => `Rewound by openedx-workers retirement-status rewind-errored (failed in ${failedIn})`,
    });
    if (result.status !== "moved") {
      problems++;
      const why =
        result.status === "not-errored" ? `is in ${result.state.stateName}, not ERRORED` : result.status === "no-status-row" ? "has no retirement status row" : "changed state meanwhile";
      io.err(`user ${userId}: ${why}; skipped`);
      continue;
    }
    rewound.push(userId);
    io.out(`user ${userId}: ERRORED -> ${describeState(result.to)} (failed in ${result.failedIn})`);
    progress(i + 1, userIds.length);
  }
  if (enqueue && rewound.length > 0) {
    const created = await enqueueRetirements(ctx.queues, rewound);
    io.out(`Enqueued ${created} retirement job(s).`);
  }
  io.out(`${rewound.length} learner(s) rewound.`);
  return problems > 0 ? 1 : 0;
}

const bulkUpdateCommand: Command = {
  name: "bulk-update",
  summary: "Move every learner in a state (and requested between two dates) to a new state or back to its last state",
  usage: "openedx-workers retirement-status bulk-update --initial-state STATE (--new-state STATE | --rewind-state) [--start-date YYYY-MM-DD --end-date YYYY-MM-DD] [--force] [--dry-run]",
  details: `upstream's retirement_bulk_status_update.py: the learners in --initial-state whose request (the status row's
created) falls between --start-date and --end-date (both days included, both today or earlier; either may be left
out), in status row order, each moved to --new-state or, with --rewind-state, to its own last state. The moves follow
retirement-status set's rules: forward only and never out of ERRORED, ABORTED or COMPLETE unless --force (upstream
forces every move); every learner is checked first, and one refusal moves nobody (exit 1). Each move is recorded in
responses like set's. Output: the user ids moved and their states. --dry-run prints the same and moves nothing.`,
  options: {
    "initial-state": { type: "string", aliases: ["--initial_state"], valueName: "STATE", description: "Learners in this state" },
    "new-state": { type: "string", aliases: ["--new_state"], valueName: "STATE", description: "Move them to this state" },
    "rewind-state": { type: "boolean", aliases: ["--rewind_state"], description: "Move each back to its last state (e.g. ERRORED learners)" },
    "start-date": { type: "string", aliases: ["--start_date"], valueName: "YYYY-MM-DD", description: "Requests created on or after this day (UTC)" },
    "end-date": { type: "string", aliases: ["--end_date"], valueName: "YYYY-MM-DD", description: "Requests created on or before this day (UTC)" },
    force: { type: "boolean", description: "Allow backward moves and moves out of dead-end states" },
    response: { type: "string", valueName: "TEXT", description: "Text recorded in responses (default: who made the move)" },
    "dry-run": { type: "boolean", aliases: ["--dry_run"], description: "Print the moves; change nothing" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const initialState = options["initial-state"] as string | undefined;
    const newState = options["new-state"] as string | undefined;
    const rewind = options["rewind-state"] === true;
    if (!initialState) throw new UsageError("--initial-state is required");
    // upstream's own check: "You must specify either the boolean rewind_state or a new state to set learners to."
    if (!!newState === rewind) throw new UsageError("give either --new-state STATE or --rewind-state");
    const now = new Date();
    let window;
    try {
      const start = options["start-date"] === undefined ? undefined : pastDay(String(options["start-date"]), "--start-date", now);
      const end = options["end-date"] === undefined ? undefined : pastDay(String(options["end-date"]), "--end-date", now);
      window = requestDateWindow(start, end);
    } catch (err) {
      if (err instanceof DateOptionError) throw new UsageError(err.message);
      throw err;
    }
    const force = options.force === true;
    const dryRun = options["dry-run"] === true;
    return withAppContext(io, [], async (ctx) => {
      const states = await new RetirementStatusStore(ctx.dataSource).states();
      for (const name of [initialState, newState]) {
        if (name !== undefined && !states.some((s) => s.stateName === name)) {
          throw new UsageError(`unknown retirement state "${name}"; the states are: ${states.map((s) => s.stateName).join(", ")}`);
        }
      }
      const flags = [rewind ? "--rewind-state" : `--new-state ${newState}`, ...(force ? ["--force"] : [])].join(" ");
      const response = (options.response as string | undefined) ?? `Set by openedx-workers retirement-status bulk-update --initial-state ${initialState} ${flags}`;
      const outcome = await bulkUpdateStatuses(ctx.dataSource, {
        initialState,
        target: rewind ? { rewind: true } : { state: newState! },
        window, force, response, dryRun,
      });
      const prefix = dryRun ? "[DRY RUN] " : "";
      for (const r of outcome.refused) io.err(`user ${r.userId}: ${r.reason}`);
      if (outcome.refused.length > 0) {
        io.err(`${prefix}${outcome.refused.length} learner(s) refused; nobody was moved${force ? "" : " (--force allows any move)"}.`);
        return 1;
      }
      for (const m of outcome.moved) io.out(`${prefix}user ${m.userId}: ${describeState(m.from)} -> ${describeState(m.to)}`);
      for (const userId of outcome.changedMeanwhile) io.err(`user ${userId}: changed state meanwhile; left as it is`);
      io.out(`${prefix}${outcome.moved.length} learner(s) ${dryRun ? "would be " : ""}moved.`);
      return outcome.changedMeanwhile.length > 0 ? 1 : 0;
    });
  },
};

export const retirementStatusCommand: CommandBody = {
  usage: "openedx-workers retirement-status --user-id ID | retirement-status set … | retirement-status rewind-errored … | retirement-status bulk-update …",
  details: "Output names user ids and states only; the history is the status row's responses, the LMS's own record.",
  options: { ...USER_ID, ...HELP_OPTION },
  subcommands: [setCommand, rewindErroredCommand, bulkUpdateCommand],
  async run({ options }, io) {
    const userId = userIdOption(options["user-id"]);
    return withAppContext(io, [], async (ctx) => {
      const learner = await loadLearner(new RetirementStatusStore(ctx.dataSource), userId);
      io.out(`user ${userId}: ${describeState(learner.currentState)}${learner.lastState ? `; last state ${describeState(learner.lastState)}` : ""}`);
      io.out(`requested ${learner.created.toISOString()}; last change ${learner.modified.toISOString()}`);
      io.out("history:");
      io.out(learner.responses);
      return 0;
    });
  },
};
