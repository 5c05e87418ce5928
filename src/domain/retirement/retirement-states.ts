/**
 * The retirement state table's rules, as edx-platform's populate_retirement_states enforces them (messages
 * verbatim, including Python's list/set rendering, so operators can match them with upstream docs).
 */
export const START_STATE = "PENDING";
export const END_STATES = ["ERRORED", "ABORTED", "COMPLETE"] as const;
export const REQUIRED_STATES = [START_STATE, ...END_STATES];
const REQ_STR = REQUIRED_STATES.join(",");

export const DEFAULT_RETIREMENT_STATES = [
  "PENDING",
  "LOCKING_ACCOUNT",
  "LOCKING_COMPLETE",
  "RETIRING_FORUMS",
  "FORUMS_COMPLETE",
  "RETIRING_EMAIL_LISTS",
  "EMAIL_LISTS_COMPLETE",
  "RETIRING_ENROLLMENTS",
  "ENROLLMENTS_COMPLETE",
  "RETIRING_NOTES",
  "NOTES_COMPLETE",
  "RETIRING_LMS",
  "LMS_COMPLETE",
  "ERRORED",
  "ABORTED",
  "COMPLETE",
];

export interface RetirementStateRow {
  id: number;
  stateName: string;
  stateExecutionOrder: number;
  isDeadEndState: boolean;
  required: boolean;
}

/** Python's repr of a list of strings: ['A', 'B']. */
function pyList(items: readonly string[]): string {
  return `[${items.map((i) => `'${i}'`).join(", ")}]`;
}

/** Python's repr of a set of strings (sorted here, so output is stable): {'A', 'B'} or set(). */
export function pySet(items: readonly string[]): string {
  return items.length === 0 ? "set()" : `{${[...items].sort().map((i) => `'${i}'`).join(", ")}}`;
}

/** RetirementState.__str__. */
export function describeState(state: Pick<RetirementStateRow, "stateName" | "stateExecutionOrder">): string {
  return `${state.stateName} (step ${state.stateExecutionOrder})`;
}

/** Returns upstream's CommandError text for an invalid RETIREMENT_STATES list, or undefined when it is valid. */
export function invalidStatesMessage(states: readonly string[]): string | undefined {
  if (states.length === 0) return "settings.RETIREMENT_STATES does not exist or is empty.";
  if (!REQUIRED_STATES.every((s) => states.includes(s))) {
    return `settings.RETIREMENT_STATES (${pyList(states)}) does not contain all required states (${REQ_STR})`;
  }
  if (states.indexOf(START_STATE) !== 0) return `${START_STATE} must be the first state`;
  const tail = states.slice(-END_STATES.length);
  if (tail.join() !== END_STATES.join()) return `The last ${END_STATES.length} states must be these (in this order): ${pyList(END_STATES)}`;
  return undefined;
}

export const USERS_BEING_PROCESSED_MESSAGE = `Users are currently being processed. All users must be in one of these states to run this command: ${REQ_STR}`;

export function usersInDeletedStatesMessage(states: readonly string[]): string {
  // Upstream's missing space ("deleteare") kept on purpose: this is its exact text.
  return `Users exist in a state that is marked for deletion! States to deleteare: ${pySet(states)}`;
}

export interface StateTablePlan {
  toCreate: string[];
  remaining: string[];
  toDelete: string[];
  /** The table after the sync: every state with its new execution order (1, 11, 21, …) and flags. */
  rows: Array<{ stateName: string; stateExecutionOrder: number; isDeadEndState: boolean; required: boolean; exists: boolean }>;
}

/** The diff and the numbering populate_retirement_states applies; gaps of 10 let admins insert states by hand. */
export function planStateTable(current: readonly string[], wanted: readonly string[]): StateTablePlan {
  const currentSet = new Set(current);
  const wantedSet = new Set(wanted);
  return {
    toCreate: wanted.filter((s) => !currentSet.has(s)),
    remaining: current.filter((s) => wantedSet.has(s)),
    toDelete: current.filter((s) => !wantedSet.has(s)),
    rows: wanted.map((stateName, i) => ({
      stateName,
      stateExecutionOrder: 1 + 10 * i,
      isDeadEndState: (END_STATES as readonly string[]).includes(stateName),
      required: REQUIRED_STATES.includes(stateName),
      exists: currentSet.has(stateName),
    })),
  };
}

/** The LMS guard before any retirement action: only a non-required state not ending in _COMPLETE is a working state. */
export function isWorkingState(state: Pick<RetirementStateRow, "stateName" | "required">): boolean {
  return !state.required && !state.stateName.endsWith("_COMPLETE");
}
