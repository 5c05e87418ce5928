import { PermanentJobError } from "./permanent-job-error";

/** An event bus entry that cannot be read (missing fields, unknown type, event_data not of its schema). */
export class UndecodableEventError extends PermanentJobError {
  constructor(message: string) {
    super(message);
    this.name = "UndecodableEventError";
  }
}
