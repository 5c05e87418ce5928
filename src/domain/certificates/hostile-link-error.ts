import { DomainRuleError } from "../domain-rule-error";

/** A certificate's stored links do not describe exactly its own objects, so nothing may be deleted for it. */
export class HostileLinkError extends DomainRuleError {
  readonly code = "HOSTILE_LINK";

  constructor(
    readonly certificateId: number,
    readonly reason: string,
  ) {
    super(`certificate ${certificateId}: refusing to purge: ${reason}`);
    this.name = "HostileLinkError";
  }
}
