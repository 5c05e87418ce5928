import { rewindTarget, type PipelineStep } from "../../domain/retirement/retirement-pipeline";
import type { RetirementStateRow } from "../../domain/retirement/retirement-states";
import type { RetirementStatusStore } from "./retirement-status-store";

/**
 * What an operator's move of one learner came to. The CLI (retirement-status set / rewind-errored) and the console's
 * learner page both go through these functions, so the rules and the `responses` text are the same everywhere.
 */
export type OperatorMoveOutcome =
  | { status: "moved"; from: RetirementStateRow; to: RetirementStateRow; failedIn?: string }
  | { status: "no-status-row" }
  | { status: "not-errored"; state: RetirementStateRow }
  /** The compare-and-set lost: a worker or another operator moved the learner first. Nothing was written. */
  | { status: "changed-meanwhile" };

/**
 * retirement-status set: the transition rules (forward only unless `force`; TransitionRefusedError says why), then
 * the compare-and-set, appending "Moved from … to …:\n<response>" to `responses`.
 */
export async function setLearnerState(
  store: RetirementStatusStore,
  userId: number,
  stateName: string,
  opts: { force: boolean; response: string; states?: RetirementStateRow[]; expectedState?: string },
): Promise<OperatorMoveOutcome> {
  const states = opts.states ?? (await store.states());
  const learner = await store.load(userId, { states });
  if (!learner) return { status: "no-status-row" };
  // A confirmed move names the state the operator saw: if the learner has moved on since, nothing is written.
  if (opts.expectedState !== undefined && learner.currentState.stateName !== opts.expectedState) return { status: "changed-meanwhile" };
  const { moved, to } = await store.move(learner, stateName, opts.response, { force: opts.force, states });
  return moved ? { status: "moved", from: learner.currentState, to } : { status: "changed-meanwhile" };
}

/**
 * retirement-status rewind-errored for one learner: an ERRORED learner goes back (forced) to the END state of the
 * last step completed before the failure, so the worker resumes there. `response` gets the state it failed in.
 */
export async function rewindErroredLearner(
  store: RetirementStatusStore,
  pipeline: readonly PipelineStep[],
  userId: number,
  opts: { response: (failedIn: string) => string; states?: RetirementStateRow[] },
): Promise<OperatorMoveOutcome> {
  const states = opts.states ?? (await store.states());
  const learner = await store.load(userId, { states });
  if (!learner) return { status: "no-status-row" };
  if (learner.currentState.stateName !== "ERRORED") return { status: "not-errored", state: learner.currentState };
  const target = rewindTarget(pipeline, states, learner.lastState?.stateName);
  const failedIn = learner.lastState?.stateName ?? "an unknown state";
  const { moved, to } = await store.move(learner, target, opts.response(failedIn), { force: true, states });
  return moved ? { status: "moved", from: learner.currentState, to, failedIn } : { status: "changed-meanwhile" };
}
