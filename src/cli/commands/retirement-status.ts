import type { AppContext } from "../../app/app-context";
import { describeState } from "../../domain/retirement/retirement-states";
import { TransitionRefusedError } from "../../domain/retirement/state-transitions";
import { CommandError } from "../../errors/command-error";
import { UsageError } from "../../errors/usage-error";
import { enqueueRetirements } from "../../producers/retirement-queue.producer";
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

export const retirementStatusCommand: CommandBody = {
  usage: "openedx-workers retirement-status --user-id ID | retirement-status set … | retirement-status rewind-errored …",
  details: "Output names user ids and states only; the history is the status row's responses, the LMS's own record.",
  options: { ...USER_ID, ...HELP_OPTION },
  subcommands: [setCommand, rewindErroredCommand],
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
