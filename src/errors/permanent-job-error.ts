/**
 * A failure that retrying cannot fix (bad input, unknown id, refused link). Processors throw it; the job runner
 * turns it into BullMQ's UnrecoverableError so the job stops at once, with this message as the reason.
 */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentJobError";
  }
}
