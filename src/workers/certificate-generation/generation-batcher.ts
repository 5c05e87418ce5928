import type { CertificateGenerator, GenerationOutcome } from "../../services/certificate-generation/certificate-generator";

interface Waiting {
  userId: number;
  jobId: string;
  resolve(outcome: GenerationOutcome): void;
  reject(error: Error): void;
}

interface Pending {
  items: Waiting[];
  timer?: NodeJS.Timeout;
}

interface BatcherOptions {
  /** A batch is written as soon as it holds this many learners. */
  maxBatch: number;
  /** …or this long after its first learner arrived, whichever comes first. */
  windowMs: number;
}

/**
 * Coalesces the generate-certificate jobs this worker process is running at the same moment (up to its
 * concurrency) into one batch per course run, the way a DataLoader coalesces look-ups: one set-based fact read and
 * one write transaction for the batch instead of several round trips per learner. Each job still waits for, and
 * completes or fails with, its own learner's result, so job ids, retries, failed-task rows and reapply work
 * exactly as with one learner per job. A hand-made piece: BullMQ's own batches are a Pro feature.
 */
export class GenerationBatcher {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly generator: CertificateGenerator,
    private readonly opts: BatcherOptions,
  ) {}

  generate(userId: number, courseKey: string, jobId: string): Promise<GenerationOutcome> {
    return new Promise((resolve, reject) => {
      let batch = this.pending.get(courseKey);
      if (!batch) {
        batch = { items: [] };
        this.pending.set(courseKey, batch);
      }
      batch.items.push({ userId, jobId, resolve, reject });
      if (batch.items.length >= this.opts.maxBatch) this.flush(courseKey);
      else batch.timer ??= setTimeout(() => this.flush(courseKey), this.opts.windowMs);
    });
  }

  private flush(courseKey: string): void {
    const batch = this.pending.get(courseKey);
    if (!batch) return;
    this.pending.delete(courseKey);
    clearTimeout(batch.timer);
    void this.run(courseKey, batch.items);
  }

  private async run(courseKey: string, items: Waiting[]): Promise<void> {
    try {
      const results = await this.generator.generateMany(courseKey, items.map((i) => i.userId), { jobIds: new Map(items.map((i) => [i.userId, i.jobId])) });
      items.forEach((item, i) => {
        const r = results[i];
        if ("outcome" in r) item.resolve(r.outcome);
        else item.reject(r.error);
      });
    } catch (err) {
      // The batch's fact read failed (e.g. the database is down): every job in it fails and retries on its own.
      for (const item of items) item.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
