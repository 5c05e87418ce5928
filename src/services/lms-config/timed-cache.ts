/**
 * A value read from the LMS database and kept for `ttlMs` (the LMS caches its waffle switches and configuration
 * models too), so a hot path reads the table at most once per period; concurrent readers share one read.
 */
export class TimedCache<T> {
  private value?: { data: T; until: number };
  private inflight?: Promise<T>;

  constructor(
    private readonly ttlMs: number,
    private readonly load: () => Promise<T>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<T> {
    if (this.value && this.now() < this.value.until) return this.value.data;
    this.inflight ??= this.load()
      .then((data) => {
        this.value = { data, until: this.now() + this.ttlMs };
        return data;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}
