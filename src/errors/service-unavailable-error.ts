import { CommandError } from "./command-error";

/** The services a command depends on; named in every "unreachable" message so operators know where to look. */
export type ServiceName = "Redis" | "database" | "S3";

/**
 * A service the command needs is unreachable, refuses us, or is misconfigured for safe use (e.g. a Redis that may
 * evict queue keys). An operational error: one line naming the service, exit 1.
 */
export class ServiceUnavailableError extends CommandError {
  constructor(
    readonly service: ServiceName,
    detail: string,
  ) {
    super(`${service} ${detail}`);
    this.name = "ServiceUnavailableError";
  }
}
