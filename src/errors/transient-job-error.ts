/** A failure worth retrying with backoff (network, S3 or DB hiccup, a race lost to another worker). */
export class TransientJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientJobError";
  }
}
