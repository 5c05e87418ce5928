/** A command could not do what was asked (like Django's CommandError); the CLI prints the message, exit 1. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandError";
  }
}
