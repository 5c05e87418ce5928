/**
 * Reading and checking form and query fields for the console's pages. A page collects one message per field in
 * FieldErrors and renders it next to that field (the templates show `errors.<field>`); nothing is written while
 * any field has an error.
 */
import { parseCalendarDay } from "../domain/calendar-day";

export type FieldErrors = Record<string, string>;

/** A query or body value as one trimmed string ("" when absent; the first when repeated). */
export function field(source: unknown, name: string): string {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  const one = Array.isArray(value) ? value[0] : value;
  return typeof one === "string" ? one.trim() : "";
}

/** A checkbox: present with any value but "" / "0" / "false". */
export function checkbox(source: unknown, name: string): boolean {
  const v = field(source, name);
  return v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** An optional calendar day YYYY-MM-DD (what `<input type="date">` sends); a message for anything else. */
export function optionalDay(errors: FieldErrors, name: string, value: string): string | undefined {
  if (value === "") return undefined;
  if (!parseCalendarDay(value)) {
    errors[name] = `"${value}" is not a date: use YYYY-MM-DD, e.g. 2026-12-03.`;
    return undefined;
  }
  return value;
}

/** Both ends of a day range, with the range itself checked (from must not be after to). */
export function dayRange(errors: FieldErrors, fromName: string, toName: string, source: unknown): { from?: string; to?: string } {
  const from = optionalDay(errors, fromName, field(source, fromName));
  const to = optionalDay(errors, toName, field(source, toName));
  if (from && to && from > to) errors[toName] = `The end (${to}) is before the start (${from}).`;
  return { from, to };
}

/** A positive whole number (an id) from a form, query or path value, or null. */
export function positiveId(value: unknown): number | null {
  const text = typeof value === "string" ? value.trim() : "";
  if (!/^\d{1,15}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && Number.isSafeInteger(n) ? n : null;
}

/** An optional positive integer id that fits a signed 32-bit column (a keyset cursor, a user id). */
export function optionalId(errors: FieldErrors, name: string, value: string, what = "a positive whole number"): number | undefined {
  if (value === "") return undefined;
  const id = positiveId(value);
  if (value.length > 10 || id === null || id > 2 ** 31 - 1) {
    errors[name] = `"${value}" is not ${what}.`;
    return undefined;
  }
  return id;
}

/** A required free text (a reason), at most `max` characters. */
export function requiredText(errors: FieldErrors, name: string, value: string, opts: { label: string; max: number }): string {
  if (value === "") errors[name] = `${opts.label} is required.`;
  else if (value.length > opts.max) errors[name] = `${opts.label} is too long: ${value.length} characters, at most ${opts.max}.`;
  return value;
}

/** The query string of a page link: the given values, empty ones left out. */
export function queryString(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== "") params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}
