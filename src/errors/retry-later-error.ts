/**
 * The job should run again after `delayMs` without using one of its attempts, and without holding a worker slot
 * while it waits: the job runner moves it to BullMQ's delayed set, merging `data` into its payload (retry
 * bookkeeping only: ids, counts, times; never PII).
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
    readonly data: Record<string, unknown>,
  ) {
    super(message);
    this.name = "RetryLaterError";
  }
}
