import { paths } from "./paths";

/** A job id as an operator reads it: course keys in generation ids are percent-encoded in the id itself. */
export function decodeJobId(jobId: string): string {
  try {
    return decodeURIComponent(jobId);
  } catch {
    return jobId;
  }
}

/** 2026-12-03 07:50:12 UTC */
export function utc(d: Date | null | undefined): string {
  return d ? `${d.toISOString().slice(0, 19).replace("T", " ")} UTC` : "";
}

/** 2026-12-03 */
export function day(d: Date | null | undefined): string {
  return d ? d.toISOString().slice(0, 10) : "";
}

/** What every template gets (@fastify/view's default context): the paths and the formatting helpers. */
export const VIEW_DEFAULTS = { paths, decodeJobId, utc, day, staffName };

/** A staff member in a "changed by" column: the username (Django admin shows the user), else the id; "—" for none. */
export function staffName(names: Map<number, string> | undefined, id: number | null | undefined): string {
  if (id === null || id === undefined) return "—";
  const name = names?.get(Number(id));
  return name ? `${name} (user ${id})` : `user ${id}`;
}
