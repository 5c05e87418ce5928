import { RequestRefusedError } from "./request-refused-error";

/** The services a command depends on; named in every "unreachable" message so operators know where to look. */
export type ServiceName = "Redis" | "database" | "S3";

/**
 * A service the command needs is unreachable, refuses us, or is misconfigured for safe use (e.g. a Redis that may
 * evict queue keys). An operational error: one line naming the service, exit 1.
 */
export class ServiceUnavailableError extends RequestRefusedError {
  override readonly code = "SERVICE_UNAVAILABLE";

  constructor(
    readonly service: ServiceName,
    detail: string,
  ) {
    super(`${service} ${detail}`);
    this.name = "ServiceUnavailableError";
  }
}
