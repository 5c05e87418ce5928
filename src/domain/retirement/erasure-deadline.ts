/**
 * The time an operator has to erase a learner's data after the request: one month under the GDPR (Art. 12(3),
 * "without undue delay and in any event within one month of receipt of the request"), counted here as 30 days
 * from the status row's `created` (when the LMS recorded the request).
 */
export const ERASURE_DEADLINE_DAYS = 30;

const DAY_MS = 86_400_000;

/** How old a request is and how many whole days remain before the deadline (negative once it has passed). */
export function erasureDeadline(requested: Date, now: Date): { ageDays: number; daysLeft: number; overdue: boolean } {
  const ageDays = Math.floor((now.getTime() - requested.getTime()) / DAY_MS);
  const daysLeft = ERASURE_DEADLINE_DAYS - ageDays;
  return { ageDays, daysLeft, overdue: now.getTime() - requested.getTime() > ERASURE_DEADLINE_DAYS * DAY_MS };
}
