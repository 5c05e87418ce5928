import { asError } from "./as-error";

interface Waiting<I, O> {
  input: I;
  resolve(output: O): void;
  reject(error: Error): void;
}

interface KeyState<I, O> {
  waiting: Array<Waiting<I, O>>;
  running: number;
  scheduled: boolean;
}

export interface CoalescerOptions<K, I> {
  /** At most this many calls in one batch. */
  maxBatch: number;
  /** At most this many batches of one key running at once; calls arriving meanwhile wait and form the next. */
  maxInFlight: number;
  /** Told when a call has to wait for a running batch of its key (for logs and tests). */
  onWait?(key: K, input: I): void;
}

/**
 * Gathers calls made under the same key into batches, the way a database's group commit does: a call runs at once
 * (with any made in the same tick) while fewer than `maxInFlight` batches of its key are running; otherwise it
 * waits, and every call that arrived while those ran forms the next batch. An idle process adds no latency, and a
 * busy one makes batches as large as its load. The jobs a worker runs concurrently then share one transaction and
 * one statement per table instead of each making its own round trips.
 * `runBatch` returns one result per input, in order: a value, or an Error that only that caller receives; if it
 * throws, every caller of the batch receives the error.
 * A hand-made piece: BullMQ's own batches are a Pro feature, and DataLoader's cache and fixed tick window do not
 * fit writes whose callers arrive spread over a transaction's duration.
 */
export class Coalescer<K, I, O> {
  private readonly keys = new Map<K, KeyState<I, O>>();

  constructor(
    private readonly runBatch: (key: K, inputs: I[]) => Promise<Array<O | Error>>,
    private readonly opts: CoalescerOptions<K, I>,
  ) {}

  submit(key: K, input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      let state = this.keys.get(key);
      if (!state) {
        state = { waiting: [], running: 0, scheduled: false };
        this.keys.set(key, state);
      }
      state.waiting.push({ input, resolve, reject });
      if (state.running >= this.opts.maxInFlight) this.opts.onWait?.(key, input);
      this.schedule(key, state);
    });
  }

  /** Starts the next batch on a later tick, so calls made in the same tick join it. */
  private schedule(key: K, state: KeyState<I, O>): void {
    if (state.scheduled || state.running >= this.opts.maxInFlight || state.waiting.length === 0) return;
    state.scheduled = true;
    setImmediate(() => {
      state.scheduled = false;
      if (state.running >= this.opts.maxInFlight || state.waiting.length === 0) return;
      const items = state.waiting.splice(0, this.opts.maxBatch);
      state.running++;
      void this.run(key, items).finally(() => {
        state.running--;
        if (state.running === 0 && state.waiting.length === 0) this.keys.delete(key);
        else this.schedule(key, state);
      });
      this.schedule(key, state);
    });
  }

  private async run(key: K, items: Array<Waiting<I, O>>): Promise<void> {
    try {
      const results = await this.runBatch(key, items.map((i) => i.input));
      items.forEach((item, i) => {
        const r = results[i];
        if (r instanceof Error) item.reject(r);
        else item.resolve(r);
      });
    } catch (err) {
      for (const item of items) item.reject(asError(err));
    }
  }
}
