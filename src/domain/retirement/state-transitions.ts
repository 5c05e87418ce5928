import { describeState, type RetirementStateRow } from "./retirement-states";

/** A transition the rules refuse; the message says why and what would allow it. */
export class TransitionRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransitionRefusedError";
  }
}

/**
 * UserRetirementStatus.update_state's rules, with the documented intent enforced: without force a move must go
 * strictly forward (skipping ahead is allowed), and never out of a dead-end state (ERRORED, ABORTED, COMPLETE).
 * Upstream's dead-end guard never fires (it compares an object with names); enforcing it is deliberate.
 * `states` is the table in execution order.
 */
export function checkTransition(states: readonly RetirementStateRow[], from: RetirementStateRow, toName: string, force: boolean): RetirementStateRow {
  const to = states.find((s) => s.stateName === toName);
  if (!to) throw new TransitionRefusedError(`unknown retirement state "${toName}"; the states are: ${states.map((s) => s.stateName).join(", ")}`);
  if (force) return to;
  if (from.isDeadEndState) {
    throw new TransitionRefusedError(`${describeState(from)} is a dead-end state: moving to ${describeState(to)} needs force (see retirement-status rewind-errored)`);
  }
  if (to.stateExecutionOrder <= from.stateExecutionOrder) {
    throw new TransitionRefusedError(
      `${describeState(to)} is not after the current state ${describeState(from)}: transitions only move forward unless forced`,
    );
  }
  return to;
}

/** The text update_state appends to `responses`. */
export function transitionText(from: RetirementStateRow, to: RetirementStateRow, response: string): string {
  return `\n Moved from ${describeState(from)} to ${describeState(to)}:\n${response}\n`;
}

/** create_retirement's first `responses` line. */
export function creationText(pending: RetirementStateRow): string {
  return `Created in state ${describeState(pending)} by create_retirement`;
}
