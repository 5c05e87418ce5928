import { InvalidArgumentsError } from "./invalid-arguments-error";

/** The CLI's own usage error: printed with the command's usage, exit 2. CLI only (below it: InvalidArgumentsError). */
export class UsageError extends InvalidArgumentsError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
