/**
 * Arguments are invalid: a command line, or the argument text stored in a command-configuration row. Thrown below
 * the CLI (option parsing, producers, the queue registry); the CLI prints it with the command's usage and exits 2,
 * a job fails permanently.
 */
export class InvalidArgumentsError extends Error {
  readonly code: string = "INVALID_ARGUMENTS";

  constructor(message: string) {
    super(message);
    this.name = "InvalidArgumentsError";
  }
}
