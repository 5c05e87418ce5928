import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { rewindTarget } from "../../domain/retirement/retirement-pipeline";
import { describeState, type RetirementStateRow } from "../../domain/retirement/retirement-states";
import { TransitionRefusedError, checkTransition } from "../../domain/retirement/state-transitions";
import { enqueueRetirements } from "../../producers/retirement-queue.producer";
import { QueueName, jobIds } from "../../queues/registry";
import type { StaffUser } from "../../services/auth/staff-directory";
import { cancelRetirement } from "../../services/retirement/retirement-cancellation";
import { rewindErroredLearner, setLearnerState, type OperatorMoveOutcome } from "../../services/retirement/retirement-operator-actions";
import { learnerView } from "../../services/retirement/retirement-status-listing";
import { RetirementStatusStore } from "../../services/retirement/retirement-status-store";
import { askToConfirm, isConfirmed, redirectWithResult, type Confirmation } from "../confirmation";
import type { ConsoleContext } from "../console-context";
import { checkbox, field, optionalId, requiredText, type FieldErrors } from "../form-input";
import { page } from "../page";
import { paths } from "../paths";
import { producerContext } from "./area-support";

const REASON_MAX = 1000;

/** Who did it, written into `responses` with the reason (the LMS's own record of the learner's retirement). */
export function actorNote(staff: StaffUser, action: string, reason: string): string {
  return `${action} by ${staff.username} (auth_user ${staff.id}) in the openedx-workers console at ${new Date().toISOString()}. Reason: ${reason}`;
}

/** What a set-state move means for the learner, said on its confirmation page. */
function setStateConfirmation(userId: number, from: RetirementStateRow, to: RetirementStateRow, force: boolean, reason: string, staff: StaffUser): Confirmation {
  const consequences = [
    `User ${userId}'s retirement moves from ${describeState(from)} to ${describeState(to)}.`,
    `"${force ? "Set (forced)" : "Set"} by ${staff.username} … Reason: ${reason}" is appended to the learner's history (responses).`,
  ];
  if (to.stateName === "COMPLETE") consequences.push("The learner then counts as retired: nothing more runs for them.");
  else if (to.stateName === "ABORTED") consequences.push("The retirement then stops for good: nothing more runs for them.");
  else if (to.stateName === "ERRORED") consequences.push("The learner then waits in ERRORED until someone rewinds them.");
  else consequences.push("Nothing is enqueued now: the next retire-learners run (or the stuck-work sweeper) continues the pipeline from there.");
  const warnings: string[] = [];
  if (from.stateName === "COMPLETE") {
    warnings.push("The learner is COMPLETE: their retirement is finished and their data already erased. Moving them out of COMPLETE puts a finished retirement back to work; a rewind afterwards would say it failed in COMPLETE.");
  }
  if (force && from.isDeadEndState) warnings.push(`Forced: ${from.stateName} is a dead-end state, which retirement-status set leaves only when forced.`);
  // Back into the pipeline: the steps from there on run again (an end state such as ERRORED runs nothing).
  if (force && !to.isDeadEndState && to.stateExecutionOrder <= from.stateExecutionOrder) {
    warnings.push(`Forced: ${to.stateName} is not after ${from.stateName}; the steps from ${to.stateName} on run again for this learner.`);
  }
  return {
    title: `Move user ${userId} from ${from.stateName} to ${to.stateName}?`,
    consequences,
    warnings,
    action: paths.retirement.setState(userId),
    fields: { state: to.stateName, force, reason, from: from.stateName },
    confirmLabel: "Yes, move the learner",
    cancelHref: paths.retirement.learner(userId),
    danger: force || from.stateName === "COMPLETE",
  };
}

/**
 * A learner's page (status, retired identifiers, the `responses` history as a timeline) and its operator moves, the
 * ones of `retirement-status` through the same service code: set state and rewind errored, each confirmed first
 * and answered with a redirect to the learner's page showing what happened.
 */
export async function retirementLearnerRoutes(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const ds = ctx.dataSource;
  const store = new RetirementStatusStore(ds);
  // Producer connection for rewind's enqueue: the areas' shared one, whose close is bounded when Redis is down.
  const { queues } = producerContext(app, ctx);

  async function learnerPage(
    request: FastifyRequest,
    reply: FastifyReply,
    userId: number,
    form: { errors?: FieldErrors; values?: Record<string, unknown>; status?: number } = {},
  ): Promise<FastifyReply> {
    const learner = await learnerView(ds, userId);
    if (!learner) return page(reply, "error.eta", { title: "No such learner", message: `User ${userId} has no retirement status row.` }, 404);
    const states = await store.states();
    return page(
      reply,
      "retirement/learner.eta",
      {
        title: `Retirement · user ${userId}`,
        tab: "learners",
        learner,
        states: states.map((s) => s.stateName),
        errors: form.errors ?? {},
        values: { state: "", force: false, reason: "", rewind_reason: "", enqueue: true, ...form.values },
        pipeline: ctx.config.retirement.pipeline,
      },
      form.status ?? 200,
    );
  }

  function userIdParam(request: FastifyRequest): number | undefined {
    return optionalId({}, "userId", String((request.params as { userId?: string }).userId ?? ""));
  }

  const notFound = (reply: FastifyReply) => page(reply, "error.eta", { title: "Not found", message: "That is not a user id." }, 404);

  app.get(paths.retirement.learner(":userId"), async (request, reply) => {
    const userId = userIdParam(request);
    return userId === undefined ? notFound(reply) : learnerPage(request, reply, userId);
  });

  app.post(paths.retirement.setState(":userId"), async (request, reply) => {
    const userId = userIdParam(request);
    if (userId === undefined) return notFound(reply);
    const body = request.body;
    const errors: FieldErrors = {};
    const states = await store.states();
    const state = field(body, "state");
    if (!state) errors.state = "Choose the state to move the learner to.";
    else if (!states.some((s) => s.stateName === state)) errors.state = `Unknown state "${state}": choose one of the list.`;
    const force = checkbox(body, "force");
    const reason = requiredText(errors, "reason", field(body, "reason"), { label: "A reason", max: REASON_MAX });
    const values = { state, force, reason };
    if (Object.keys(errors).length > 0) return learnerPage(request, reply, userId, { errors, values, status: 400 });
    const learner = await learnerView(ds, userId);
    if (!learner) return learnerPage(request, reply, userId);
    const from = states.find((s) => s.stateName === learner.stateName)!;
    let to: RetirementStateRow;
    try {
      // The rules first: a move they refuse is said next to the field, never offered for confirmation.
      to = checkTransition(states, from, state, force);
    } catch (err) {
      if (!(err instanceof TransitionRefusedError)) throw err;
      return learnerPage(request, reply, userId, { errors: { state: `${err.message}. Tick "force" to move anyway.` }, values, status: 409 });
    }
    if (!isConfirmed(request)) return askToConfirm(reply, setStateConfirmation(userId, from, to, force, reason, request.staff!));
    const outcome = await setLearnerState(store, userId, state, {
      force,
      states,
      expectedState: field(body, "from") || from.stateName,
      response: actorNote(request.staff!, force ? "Set (forced)" : "Set", reason),
    });
    if (outcome.status !== "moved") return refusedMove(request, reply, userId, outcome, "state", values);
    ctx.logger.info("console: retirement state set", { userId, staffUserId: request.staff!.id, from: outcome.from.stateName, to: outcome.to.stateName, force });
    return redirectWithResult(request, reply, paths.retirement.learner(userId), {
      level: "success",
      message: `Moved user ${userId} from ${outcome.from.stateName} to ${outcome.to.stateName}.`,
    });
  });

  app.post(paths.retirement.rewind(":userId"), async (request, reply) => {
    const userId = userIdParam(request);
    if (userId === undefined) return notFound(reply);
    const body = request.body;
    const errors: FieldErrors = {};
    const reason = requiredText(errors, "rewind_reason", field(body, "rewind_reason"), { label: "A reason", max: REASON_MAX });
    const enqueue = checkbox(body, "enqueue");
    const values = { rewind_reason: reason, enqueue };
    if (Object.keys(errors).length > 0) return learnerPage(request, reply, userId, { errors, values, status: 400 });
    const learner = await learnerView(ds, userId);
    if (!learner) return learnerPage(request, reply, userId);
    if (learner.stateName !== "ERRORED") return refusedMove(request, reply, userId, { status: "not-errored", state: { stateName: learner.stateName } as RetirementStateRow }, "rewind_reason", values);
    const jobId = jobIds.retireLearner(userId);
    if (!isConfirmed(request)) {
      const target = rewindTarget(ctx.config.retirement.pipeline, await store.states(), learner.lastStateName);
      const failedIn = learner.lastStateName ?? "an unknown state";
      return askToConfirm(reply, {
        title: `Rewind user ${userId} from ERRORED to ${target}?`,
        consequences: [
          `User ${userId} failed in ${failedIn}; the learner goes back to ${target}, the end of the last step completed before it, so the retirement resumes with the step that failed.`,
          `"Rewound by ${request.staff!.username} … Reason: ${reason} (failed in ${failedIn})" is appended to the learner's history (responses).`,
          enqueue
            ? `Job ${jobId} is enqueued in ${QueueName.LearnerRetirement}: a retirement worker resumes at once.`
            : "Nothing is enqueued: the next retire-learners run picks the learner up.",
        ],
        warnings: ["Fix what made the step fail first (a service down, a bad setting): otherwise it fails again the same way."],
        action: paths.retirement.rewind(userId),
        fields: { rewind_reason: reason, enqueue },
        confirmLabel: enqueue ? "Yes, rewind and enqueue" : "Yes, rewind",
        cancelHref: paths.retirement.learner(userId),
      });
    }
    const outcome = await rewindErroredLearner(store, ctx.config.retirement.pipeline, userId, {
      response: (failedIn) => `${actorNote(request.staff!, "Rewound", reason)} (failed in ${failedIn})`,
    });
    if (outcome.status !== "moved") return refusedMove(request, reply, userId, outcome, "rewind_reason", values);
    if (enqueue) await enqueueRetirements(queues, [userId]);
    ctx.logger.info("console: errored learner rewound", { userId, staffUserId: request.staff!.id, to: outcome.to.stateName, enqueued: enqueue });
    return redirectWithResult(request, reply, paths.retirement.learner(userId), {
      level: "success",
      message: enqueue
        ? `Rewound user ${userId} from ERRORED to ${outcome.to.stateName} (it failed in ${outcome.failedIn}) and enqueued: a retirement worker resumes from there.`
        : `Rewound user ${userId} from ERRORED to ${outcome.to.stateName} (it failed in ${outcome.failedIn}); the next retire-learners run picks the learner up.`,
      jobs: enqueue ? [{ queue: QueueName.LearnerRetirement, id: jobId }] : undefined,
    });
  });

  /**
   * The LMS admin's Cancel on a PENDING UserRetirementStatus (user_api admin `cancel_retirement`: a confirmation
   * page, then `handle_retirement_cancellation`, the message after the redirect), through cancel-retirement's code.
   * The status row is deleted, so the record is the console's log line (staff user, learner id).
   */
  app.post(paths.retirement.cancel(":userId"), async (request, reply) => {
    const userId = userIdParam(request);
    if (userId === undefined) return notFound(reply);
    const learner = await learnerView(ds, userId);
    if (!learner) return learnerPage(request, reply, userId);
    const notPending = (stateName: string) =>
      learnerPage(request, reply, userId, {
        errors: { cancel: `Retirement requests can only be cancelled for users in the PENDING state; the learner is in ${stateName}. Nothing changed.` },
        status: 409,
      });
    if (learner.stateName !== "PENDING") return notPending(learner.stateName);
    if (!isConfirmed(request)) {
      return askToConfirm(reply, {
        title: `Cancel user ${userId}'s retirement request?`,
        consequences: [
          "The learner's original email is restored on the account.",
          "The password becomes a random one nobody knows: the learner signs in again through password reset.",
          "The retirement status and request rows are deleted: the request disappears from these pages (the console's log keeps who cancelled it).",
        ],
        action: paths.retirement.cancel(userId),
        confirmLabel: "Yes, cancel the request",
        cancelHref: paths.retirement.learner(userId),
        danger: true,
      });
    }
    const outcome = await cancelRetirement(ds, userId);
    if (outcome.status === "no-status-row") return learnerPage(request, reply, userId);
    if (outcome.status === "not-pending") return notPending(outcome.stateName);
    ctx.logger.warn("console: retirement request cancelled", { userId, staffUserId: request.staff!.id });
    return redirectWithResult(request, reply, paths.retirement.learners, {
      level: "success",
      message: `Retirement request of user ${userId} cancelled: email restored, status and request rows deleted. The learner signs in again through password reset.`,
    });
  });

  function refusedMove(request: FastifyRequest, reply: FastifyReply, userId: number, outcome: OperatorMoveOutcome, at: string, values: Record<string, unknown>) {
    if (outcome.status === "no-status-row") return learnerPage(request, reply, userId);
    const message =
      outcome.status === "not-errored"
        ? `The learner is in ${outcome.state.stateName}, not ERRORED: only an ERRORED learner can be rewound.`
        : "The learner changed state meanwhile (a worker or another operator moved it); nothing was written. Check the state and try again.";
    return learnerPage(request, reply, userId, { errors: { [at]: message }, values, status: 409 });
  }
}
