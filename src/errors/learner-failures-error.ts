import { PermanentJobError } from "./permanent-job-error";
import { TransientJobError } from "./transient-job-error";

/** One learner of a multi-learner job that was not done, with the error its own single job would have failed with. */
export interface LearnerFailure {
  userId: number;
  error: Error;
}

/** Per-learner errors named in the job's failure reason at most (the rest are counted): failedReason lives in Redis. */
const NAMED = 5;

function describe(what: string, failures: LearnerFailure[], total: number): string {
  const named = failures.slice(0, NAMED).map((f) => `${f.userId}: ${f.error.message}`).join("; ");
  const more = failures.length > NAMED ? `; and ${failures.length - NAMED} more` : "";
  return `${failures.length} of ${total} learners ${what} (${total - failures.length} done): ${named}${more}`;
}

/**
 * Some learners of a chunk failed for a reason a retry can fix: the job retries with backoff, for these learners only
 * (its data was narrowed to them before this was thrown). Carries each learner's own error for the final-failure rows.
 */
export class LearnersFailedError extends TransientJobError {
  constructor(
    readonly failures: LearnerFailure[],
    total: number,
  ) {
    super(describe("not generated, will retry", failures, total));
    this.name = "LearnersFailedError";
  }
}

/** Every failed learner of a chunk failed for good (e.g. not found): the job is not retried. */
export class LearnersRefusedError extends PermanentJobError {
  constructor(
    readonly failures: LearnerFailure[],
    total: number,
  ) {
    super(describe("refused", failures, total));
    this.name = "LearnersRefusedError";
  }
}

/** The per-learner errors an error carries, if it is one of the above. */
export function learnerFailuresOf(error: Error): LearnerFailure[] | undefined {
  return error instanceof LearnersFailedError || error instanceof LearnersRefusedError ? error.failures : undefined;
}
