const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A CertificateDateOverride date as operators give it, YYYY-MM-DD, stored at midnight UTC (the admin's help text asks
 * for a time of 00:00). Returns null for anything else, including dates that do not exist (2025-02-30).
 */
export function parseOverrideDate(text: string): Date | null {
  if (typeof text !== "string" || !DATE.test(text)) return null;
  const date = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text ? null : date;
}
