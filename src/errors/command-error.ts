import { RequestRefusedError } from "./request-refused-error";

/** The CLI's own "could not do what was asked" (like Django's CommandError): message printed, exit 1. CLI only. */
export class CommandError extends RequestRefusedError {
  constructor(message: string) {
    super(message);
    this.name = "CommandError";
  }
}
