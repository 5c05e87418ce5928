import { parseCalendarDay } from "../calendar-day";

/**
 * A CertificateDateOverride date as operators give it, YYYY-MM-DD, stored at midnight UTC (the admin's help text asks
 * for a time of 00:00). Returns null for anything else, including dates that do not exist (2025-02-30).
 */
export function parseOverrideDate(text: string): Date | null {
  return parseCalendarDay(text);
}
