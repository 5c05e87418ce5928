import { parseCalendarDay } from "../calendar-day";

/** A window of request dates (the status row's `created`): from `start` (inclusive) to `endExclusive`. */
export interface RequestDateWindow {
  start?: Date;
  endExclusive?: Date;
}

const DAY_MS = 86_400_000;

/** Why a date option is refused; the caller turns it into a usage error (exit 2). */
export class DateOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DateOptionError";
  }
}

/**
 * A YYYY-MM-DD option that must be today or earlier (UTC), as upstream's `validate_dates` (retirement_bulk_status_update.py)
 * and the LMS's `retirements_by_status_and_date` view require.
 */
export function pastDay(text: string, option: string, now: Date): Date {
  const day = parseCalendarDay(text);
  if (!day) throw new DateOptionError(`${option} must be a date written YYYY-MM-DD, got "${text}"`);
  if (day.getTime() > now.getTime()) throw new DateOptionError(`${option} must be today or earlier, got ${text}`);
  return day;
}

/**
 * The LMS's `retirements_by_status_and_date` window (openedx/core/djangoapps/user_api/accounts/views.py,
 * AccountRetirementStatusView): `created >= start` and `created < end + 1 day` ("to get one day you would set both
 * dates to that day"); the start must not be after the end.
 */
export function requestDateWindow(start: Date | undefined, end: Date | undefined): RequestDateWindow {
  if (start && end && start.getTime() > end.getTime()) throw new DateOptionError("--start-date must not be after --end-date");
  return { start, endExclusive: end ? new Date(end.getTime() + DAY_MS) : undefined };
}
