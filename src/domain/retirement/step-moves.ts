import type { RetirementStateRow } from "./retirement-states";

export const COMPLETE = "COMPLETE";
export const COMPLETE_TEXT = "Learner retirement complete.";

/** One completed step's move, as `responses` records it. */
export interface StepDone {
  start: RetirementStateRow;
  end: RetirementStateRow;
  response: string;
}

/**
 * The path and texts of moving from `at` through each done step's START and END to `next` (the next step's START,
 * or COMPLETE after the last), in the driver's wording: `Starting: X`, `Ending: Y with response:\n…`.
 */
export function movesOf(at: RetirementStateRow, done: readonly StepDone[], next: RetirementStateRow): [RetirementStateRow[], string[]] {
  const path = [at];
  const texts: string[] = [];
  const to = (s: RetirementStateRow, text: string) => {
    path.push(s);
    texts.push(text);
  };
  for (const d of done) {
    if (path[path.length - 1].id !== d.start.id) to(d.start, `Starting: ${d.start.stateName}`);
    to(d.end, `Ending: ${d.end.stateName} with response:\n${d.response}`);
  }
  to(next, next.stateName === COMPLETE ? COMPLETE_TEXT : `Starting: ${next.stateName}`);
  return [path, texts];
}
