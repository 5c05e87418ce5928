import { EDX_METHODS, GENERIC_METHOD, REMOVED_HTTP_METHODS, THIRD_PARTY_METHODS } from "./http-methods";
import { END_STATES, START_STATE, isWorkingState, type RetirementStateRow } from "./retirement-states";

/** One row of the driver's retirement_pipeline: [START_STATE, END_STATE, SERVICE, METHOD]. */
export interface PipelineStep {
  startState: string;
  endState: string;
  service: string;
  method: string;
}

/**
 * Methods this service runs itself in the LMS database, per service. Upstream's driver names (`retirement_*`,
 * `retire_learner`, …) are the HTTP methods of http-methods.ts, called exactly as the driver calls them.
 */
const KNOWN_METHODS: Record<string, readonly string[]> = {
  LMS: ["lock_account", "retire_misc", "unenroll", "retire_lms", "purge_pdf_certificates", "add_to_partner_queue"],
};

/** Every method a pipeline row may name: database, built-in HTTP, third-party, and the configured generic services. */
function methodCatalogue(genericServices: readonly string[] = []): Record<string, readonly string[]> {
  const catalogue: Record<string, string[]> = {};
  const add = (service: string, methods: readonly string[]) => (catalogue[service] = [...(catalogue[service] ?? []), ...methods]);
  for (const [service, methods] of Object.entries(KNOWN_METHODS)) add(service, methods);
  for (const [service, methods] of Object.entries(EDX_METHODS)) add(service, Object.keys(methods));
  for (const [service, methods] of Object.entries(THIRD_PARTY_METHODS)) add(service, methods);
  for (const service of genericServices) add(service, [GENERIC_METHOD]);
  return catalogue;
}

/** Whether a step runs over HTTP (its method is not one of the database methods). */
export function isHttpStep(step: PipelineStep): boolean {
  return !KNOWN_METHODS[step.service]?.includes(step.method);
}

/**
 * upstream's full default pipeline (the LMS's default RETIREMENT_STATES): forums and notes over the LMS's HTTP API
 * as the retirement service user, everything else in the database.
 */
export const DEFAULT_PIPELINE: PipelineStep[] = [
  { startState: "LOCKING_ACCOUNT", endState: "LOCKING_COMPLETE", service: "LMS", method: "lock_account" },
  { startState: "RETIRING_FORUMS", endState: "FORUMS_COMPLETE", service: "LMS", method: "retirement_retire_forum" },
  { startState: "RETIRING_EMAIL_LISTS", endState: "EMAIL_LISTS_COMPLETE", service: "LMS", method: "retire_misc" },
  { startState: "RETIRING_ENROLLMENTS", endState: "ENROLLMENTS_COMPLETE", service: "LMS", method: "unenroll" },
  { startState: "RETIRING_NOTES", endState: "NOTES_COMPLETE", service: "LMS", method: "retirement_retire_notes" },
  { startState: "RETIRING_LMS", endState: "LMS_COMPLETE", service: "LMS", method: "retire_lms" },
];

export function pipelineRows(steps: readonly PipelineStep[]): string[][] {
  return steps.map((s) => [s.startState, s.endState, s.service, s.method]);
}

/** Reads raw rows (from JSON or YAML); returns the steps and every problem found. */
export function parsePipeline(raw: readonly unknown[], opts: { genericServices?: readonly string[] } = {}): { steps: PipelineStep[]; problems: string[] } {
  const catalogue = methodCatalogue(opts.genericServices);
  const steps: PipelineStep[] = [];
  const problems: string[] = [];
  raw.forEach((row, i) => {
    const where = `row ${i + 1}`;
    if (!Array.isArray(row) || row.length !== 4 || row.some((c) => typeof c !== "string" || c.trim() === "")) {
      problems.push(`${where} must be [START_STATE, END_STATE, SERVICE, METHOD] (4 non-empty strings), got ${JSON.stringify(row)}`);
      return;
    }
    const [startState, endState, service, method] = (row as string[]).map((c) => c.trim());
    if (REMOVED_HTTP_METHODS[method]) problems.push(`${where}: ${service}.${method} ${REMOVED_HTTP_METHODS[method]}`);
    else if (!catalogue[service]?.includes(method)) {
      const known = Object.entries(catalogue).flatMap(([svc, ms]) => ms.map((m) => `${svc}.${m}`));
      problems.push(`${where}: ${service}.${method} is not a known method; known: ${known.join(", ")}`);
    }
    steps.push({ startState, endState, service, method });
  });
  return { steps, problems };
}

/**
 * The driver's rule: every pipeline state exists in the state table, in the same relative order, each START is a
 * working state (the LMS refuses actions otherwise) and no state is used twice.
 */
export function pipelineProblems(steps: readonly PipelineStep[], stateNames: readonly string[], tableName: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  let lastIndex = -1;
  let lastName = "";
  for (const [i, step] of steps.entries()) {
    for (const name of [step.startState, step.endState]) {
      const index = stateNames.indexOf(name);
      if (seen.has(name)) problems.push(`row ${i + 1}: state ${name} is used twice`);
      seen.add(name);
      if (index < 0) {
        problems.push(`row ${i + 1}: state ${name} is not in ${tableName}`);
        continue;
      }
      if (index <= lastIndex) problems.push(`row ${i + 1}: state ${name} comes before ${lastName} in ${tableName}; the pipeline must keep the table's order`);
      lastIndex = index;
      lastName = name;
    }
    const start = { stateName: step.startState, required: [START_STATE, ...END_STATES].includes(step.startState) };
    if (!isWorkingState(start)) problems.push(`row ${i + 1}: start state ${step.startState} is not a working state (required states and *_COMPLETE cannot start a step)`);
    if ([START_STATE, ...END_STATES].includes(step.endState)) problems.push(`row ${i + 1}: end state ${step.endState} is a required state`);
  }
  return problems;
}

/** The driver's all_states: PENDING, each step's START and END, then ERRORED, ABORTED, COMPLETE. */
export function driverStates(steps: readonly PipelineStep[]): string[] {
  return [START_STATE, ...steps.flatMap((s) => [s.startState, s.endState]), ...END_STATES];
}

/** States retire-learners picks up: PENDING plus every step's END state (a learner paused between steps). */
export function queueableStates(steps: readonly PipelineStep[]): string[] {
  return [START_STATE, ...steps.map((s) => s.endState)];
}

/**
 * The resume rule: steps whose START comes before the learner's current state were completed in an earlier run.
 * A learner in a step's START state re-runs that step (it crashed or lost its lock there; steps are idempotent).
 */
export function remainingSteps(steps: readonly PipelineStep[], currentState: string): PipelineStep[] {
  const all = driverStates(steps);
  const current = all.indexOf(currentState);
  return steps.filter((s) => all.indexOf(s.startState) >= current);
}

/**
 * Where an ERRORED learner should be rewound: the END state of the last step completed before the failure
 * (upstream's recovery guide), never the failed RETIRING_* state, which would look like a run in flight.
 */
export function rewindTarget(steps: readonly PipelineStep[], table: readonly RetirementStateRow[], lastState: string | undefined): string {
  const order = (name: string) => table.find((s) => s.stateName === name)?.stateExecutionOrder ?? -1;
  const failedAt = lastState ? order(lastState) : -1;
  let target = START_STATE;
  for (const step of steps) if (order(step.endState) >= 0 && order(step.endState) <= failedAt) target = step.endState;
  return target;
}

/** Learners in one retire-learners-chunk job at most: one batch of the engine (RetirementBatches' maxBatch). */
export const RETIREMENT_CHUNK_MAX = 64;
