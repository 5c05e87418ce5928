const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar day written YYYY-MM-DD, as midnight UTC; null for anything else, including days that do not exist (2025-02-30). */
export function parseCalendarDay(text: string): Date | null {
  if (typeof text !== "string" || !DAY.test(text)) return null;
  const date = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text ? null : date;
}
