import { PermanentJobError } from "../../errors/permanent-job-error";
import { TransientJobError } from "../../errors/transient-job-error";

/**
 * The worker refuses a learner before touching it (no status row, a state the pipeline does not know): like the
 * upstream driver's early exits, the learner's state is left as it is for an operator to look at.
 */
export class LearnerRefusedError extends PermanentJobError {
  constructor(message: string) {
    super(message);
    this.name = "LearnerRefusedError";
  }
}

/** The pipeline does not match user_api_retirementstate: a deployment problem, retried, never blamed on the learner. */
export class PipelineMismatchError extends TransientJobError {
  constructor(problems: string[]) {
    super(`RETIREMENT_PIPELINE does not match user_api_retirementstate (run populate-retirement-states?): ${problems.join("; ")}`);
    this.name = "PipelineMismatchError";
  }
}

/**
 * A pipeline step needs a service setting that is not configured. A retirement worker refuses to start in this case
 * (missingServiceSettings); this guards processors built some other way. A deployment problem: never ERRORED.
 */
export class ServiceNotConfiguredError extends TransientJobError {
  constructor(problems: string[]) {
    super(`retirement pipeline needs settings that are not set: ${problems.join("; ")}`);
    this.name = "ServiceNotConfiguredError";
  }
}
