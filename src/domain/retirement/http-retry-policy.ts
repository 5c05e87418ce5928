/**
 * Upstream's retry policy for retirement calls (edx_api.py `_retry_lms_api`), as a pure decision so a worker can
 * wait as a delayed job instead of sleeping in a slot:
 * - connection errors (and our request timeouts), 5xx except 504, and the odd 104: exponential backoff
 *   (`backoff.expo`: 1 s, 2 s, 4 s, …) until `maxElapsedMs` (600 s) have passed since the step's first failure;
 * - 504 Gateway Timeout: one more try after `gatewayTimeoutRetryMs` (60 s), then failure (a second 504 in a row);
 * - any other status: failure at once.
 * Third-party services (Braze, Amplitude, Hubspot, Segment) retry 429 and 5xx up to a number of tries instead.
 */
export interface RetryTimings {
  baseDelayMs: number;
  maxElapsedMs: number;
  gatewayTimeoutRetryMs: number;
}

/** What the job carries between tries of one step (no PII: state name, counts, times, last status). */
export interface StepRetryState {
  /** The step's START state: a retry state only applies to the step it was made for. */
  state: string;
  /** Failed tries so far. */
  failures: number;
  /** When the first failed try started (epoch ms). */
  firstFailureAt: number;
  /** The last failure was a 504 (a second one in a row ends the step). */
  lastWasGatewayTimeout?: boolean;
}

/** A failed try: an HTTP status, or no response at all (connection refused/reset, timeout). */
export type Failure = { kind: "status"; status: number } | { kind: "connection" };

type RetryDecision = { retry: true; delayMs: number; next: StepRetryState } | { retry: false; reason: string };

export type RetryRule = { kind: "edx" } | { kind: "third-party"; maxTries: number; retryStatuses?: (status: number) => boolean };

const edxRetryable = (f: Failure) => f.kind === "connection" || (f.status >= 500 && f.status < 600 && f.status !== 504) || f.status === 104;
const thirdPartyRetryable = (status: number) => status === 429 || (status >= 500 && status < 600);

export function decideRetry(rule: RetryRule, timings: RetryTimings, previous: StepRetryState | undefined, state: string, failure: Failure, startedAt: number, now: number): RetryDecision {
  const prior = previous?.state === state ? previous : undefined;
  const next: StepRetryState = {
    state,
    failures: (prior?.failures ?? 0) + 1,
    firstFailureAt: prior?.firstFailureAt ?? startedAt,
    lastWasGatewayTimeout: failure.kind === "status" && failure.status === 504,
  };
  if (rule.kind === "third-party") {
    const retryable = failure.kind === "connection" || (rule.retryStatuses ?? thirdPartyRetryable)(failure.status);
    if (!retryable) return { retry: false, reason: "not retryable" };
    if (next.failures >= rule.maxTries) return { retry: false, reason: `gave up after ${next.failures} tries` };
    return { retry: true, delayMs: timings.baseDelayMs * 2 ** (next.failures - 1), next };
  }
  if (failure.kind === "status" && failure.status === 504) {
    if (prior?.lastWasGatewayTimeout) return { retry: false, reason: "504 twice in a row" };
    return { retry: true, delayMs: timings.gatewayTimeoutRetryMs, next };
  }
  if (!edxRetryable(failure)) return { retry: false, reason: "not retryable" };
  const elapsed = now - next.firstFailureAt;
  if (elapsed >= timings.maxElapsedMs) return { retry: false, reason: `gave up after ${next.failures} tries over ${Math.round(elapsed / 1000)} s` };
  // Never waits past the deadline (backoff's max_time).
  const delayMs = Math.min(timings.baseDelayMs * 2 ** (next.failures - 1), timings.maxElapsedMs - elapsed);
  return { retry: true, delayMs, next };
}
