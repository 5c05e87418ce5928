/**
 * A domain rule refuses its input (e.g. a certificate link that does not describe exactly its own objects). The
 * domain has no notion of jobs or retries: the job layer maps these to a permanent failure (worker-host), the CLI
 * reports them. `code` is stable, for logs and metrics.
 */
export abstract class DomainRuleError extends Error {
  abstract readonly code: string;
}
