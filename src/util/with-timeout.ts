/** Raised by withTimeout; typed so callers never recognise a timeout by its message. */
class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/**
 * Settles with the promise, or rejects with a TimeoutError after `ms`. The timer never keeps the process alive.
 * The underlying work is not cancelled: callers pair it with a close/destroy of whatever the promise waits on.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Like withTimeout, but never rejects: resolves true when the promise settled in time (for best-effort closes). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  try {
    await withTimeout(promise.catch(() => undefined), ms, "close");
    return true;
  } catch {
    return false;
  }
}
