/**
 * What was asked cannot be done as things stand (a disabled stored configuration, a refusal threshold, a missing
 * prerequisite such as an empty state table): no retry helps until an operator acts. Producers and services throw
 * it; the CLI prints the message and exits 1, a job fails permanently.
 */
export class RequestRefusedError extends Error {
  readonly code: string = "REQUEST_REFUSED";

  constructor(message: string) {
    super(message);
    this.name = "RequestRefusedError";
  }
}

/** edx-platform's `--args-from-database` found the newest configuration row disabled. */
export class ArgumentsDisabledError extends RequestRefusedError {
  override readonly code = "ARGUMENTS_DISABLED";

  constructor(modelName: string) {
    super(`${modelName} is disabled, but --args-from-database was requested`);
    this.name = "ArgumentsDisabledError";
  }
}
