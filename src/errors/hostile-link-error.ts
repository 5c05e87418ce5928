import { PermanentJobError } from "./permanent-job-error";

/** A certificate's stored links do not describe exactly its own objects, so nothing may be deleted for it. */
export class HostileLinkError extends PermanentJobError {
  constructor(
    readonly certificateId: number,
    readonly reason: string,
  ) {
    super(`certificate ${certificateId}: refusing to purge: ${reason}`);
    this.name = "HostileLinkError";
  }
}
