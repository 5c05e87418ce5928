/** The command line (or database-stored arguments) was wrong; the CLI prints it with the command's usage, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
