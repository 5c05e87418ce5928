import { RequestRefusedError } from "./request-refused-error";

/**
 * `worker --until-idle` found its queues idle but work that a schedule of theirs drains still waiting (outbox rows),
 * and the job it ran to drain it failed for good: exiting 0 would leave that work behind unnoticed. Exit 1.
 */
export class UndrainedWorkError extends RequestRefusedError {
  override readonly code = "UNDRAINED_WORK";

  constructor(
    readonly where: string,
    readonly pending: number,
    reason: string,
  ) {
    super(`${pending} row(s) are still waiting in ${where}: the job that drains them failed for good (${reason})`);
    this.name = "UndrainedWorkError";
  }
}
