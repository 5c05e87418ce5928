import type { DataSource } from "typeorm";
import { responsesTimeline, type TimelineEntry } from "../../domain/retirement/responses-timeline";
import { redactValues } from "../../domain/retirement/redact-values";

/**
 * Read side of the retirement pages (the console's lists, learner page and charts). It never selects a learner's
 * original_* columns for display: rows carry the user id and the retired identifiers only. The one place originals
 * are read is `learner`, to blank them out of the free-text `responses` before it leaves this module.
 */

export interface StatusFilter {
  stateName?: string;
  /** Inclusive UTC days, YYYY-MM-DD. */
  createdFrom?: string;
  createdTo?: string;
  modifiedFrom?: string;
  modifiedTo?: string;
  userId?: number;
  /** Exact match on retired_username (never the original username or email: not a PII lookup). */
  retiredUsername?: string;
}

/** Keyset position: rows older than `after` (next page) or newer than `before` (previous page), by status row id. */
export interface Keyset {
  after?: number;
  before?: number;
  size: number;
}

export interface StatusRow {
  id: number;
  userId: number;
  retiredUsername: string;
  stateName: string;
  created: Date;
  modified: Date;
}

export interface StatusPage {
  rows: StatusRow[];
  /** Whether newer (smaller page number) and older rows exist beyond this page. */
  hasNewer: boolean;
  hasOlder: boolean;
}

export interface LearnerView {
  userId: number;
  retiredUsername: string;
  retiredEmail: string;
  stateName: string;
  stateOrder: number;
  lastStateName?: string;
  created: Date;
  modified: Date;
  timeline: TimelineEntry[];
}

const FROM = "FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id";

function where(filter: StatusFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    parts.push(sql);
    params.push(value);
  };
  if (filter.stateName !== undefined) add("r.state_name = ?", filter.stateName);
  if (filter.createdFrom) add("s.created >= ?", `${filter.createdFrom} 00:00:00`);
  if (filter.createdTo) add("s.created < ? + INTERVAL 1 DAY", `${filter.createdTo} 00:00:00`);
  if (filter.modifiedFrom) add("s.modified >= ?", `${filter.modifiedFrom} 00:00:00`);
  if (filter.modifiedTo) add("s.modified < ? + INTERVAL 1 DAY", `${filter.modifiedTo} 00:00:00`);
  if (filter.userId !== undefined) add("s.user_id = ?", filter.userId);
  if (filter.retiredUsername !== undefined) add("s.retired_username = ?", filter.retiredUsername);
  return { sql: parts.length ? parts.join(" AND ") : "1 = 1", params };
}

interface RawRow {
  id: number;
  user_id: number;
  retired_username: string;
  state_name: string;
  created: Date;
  modified: Date;
}

const toRow = (r: RawRow): StatusRow => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  retiredUsername: r.retired_username,
  stateName: r.state_name,
  created: r.created,
  modified: r.modified,
});

/** Status rows newest request first, one keyset page (size + 1 fetched to know whether more follow). */
export async function listStatuses(ds: DataSource, filter: StatusFilter, page: Keyset): Promise<StatusPage> {
  const w = where(filter);
  const select = `SELECT s.id, s.user_id, s.retired_username, r.state_name, s.created, s.modified ${FROM} WHERE ${w.sql}`;
  const exists = async (sql: string, id: number) => (await ds.query(`SELECT 1 AS x ${FROM} WHERE ${w.sql} AND ${sql} LIMIT 1`, [...w.params, id])).length > 0;
  if (page.before !== undefined) {
    const rows: RawRow[] = await ds.query(`${select} AND s.id > ? ORDER BY s.id ASC LIMIT ?`, [...w.params, page.before, page.size + 1]);
    return { rows: rows.slice(0, page.size).reverse().map(toRow), hasNewer: rows.length > page.size, hasOlder: await exists("s.id <= ?", page.before) };
  }
  const rows: RawRow[] =
    page.after !== undefined
      ? await ds.query(`${select} AND s.id < ? ORDER BY s.id DESC LIMIT ?`, [...w.params, page.after, page.size + 1])
      : await ds.query(`${select} ORDER BY s.id DESC LIMIT ?`, [...w.params, page.size + 1]);
  return {
    rows: rows.slice(0, page.size).map(toRow),
    hasOlder: rows.length > page.size,
    hasNewer: page.after !== undefined && (await exists("s.id >= ?", page.after)),
  };
}

/** One learner for display: retired identifiers, states and the `responses` timeline with any original identifier blanked. */
export async function learnerView(ds: DataSource, userId: number): Promise<LearnerView | undefined> {
  const [row] = await ds.query(
    `SELECT s.user_id, s.retired_username, s.retired_email, s.created, s.modified, s.responses, r.state_name, r.state_execution_order,
            l.state_name AS last_state_name, s.original_username, s.original_email, s.original_name
     ${FROM} LEFT JOIN user_api_retirementstate l ON l.id = s.last_state_id WHERE s.user_id = ?`,
    [userId],
  );
  if (!row) return undefined;
  // Free text may quote anything (an error body echoing the username): the originals never reach a page.
  const responses = redactValues(String(row.responses ?? ""), [row.original_username, row.original_email, row.original_name]);
  return {
    userId: Number(row.user_id),
    retiredUsername: row.retired_username,
    retiredEmail: row.retired_email,
    stateName: row.state_name,
    stateOrder: Number(row.state_execution_order),
    lastStateName: row.last_state_name ?? undefined,
    created: row.created,
    modified: row.modified,
    timeline: responsesTimeline(responses),
  };
}

/** Learners per state, every state of the table in execution order (zeros included). */
export async function learnersPerState(ds: DataSource): Promise<Array<{ stateName: string; order: number; count: number }>> {
  const rows: Array<{ state_name: string; state_execution_order: number; n: number }> = await ds.query(
    `SELECT r.state_name, r.state_execution_order, COUNT(s.id) AS n
     FROM user_api_retirementstate r LEFT JOIN user_api_userretirementstatus s ON s.current_state_id = r.id
     GROUP BY r.id, r.state_name, r.state_execution_order ORDER BY r.state_execution_order`,
  );
  return rows.map((r) => ({ stateName: r.state_name, order: Number(r.state_execution_order), count: Number(r.n) }));
}

/**
 * Learners now COMPLETE per UTC day of their last change (the move to COMPLETE: nothing moves a COMPLETE learner
 * but a forced operator move), for the `days` days ending today, oldest first, zeros included. Learners archived
 * by archive-retirements (status row deleted) are no longer counted.
 */
export async function completedPerDay(ds: DataSource, days: number, today = new Date()): Promise<Array<{ day: string; count: number }>> {
  const dayOf = (d: Date) => d.toISOString().slice(0, 10);
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1)));
  const rows: Array<{ d: string; n: number }> = await ds.query(
    `SELECT DATE_FORMAT(s.modified, '%Y-%m-%d') AS d, COUNT(*) AS n ${FROM}
     WHERE r.state_name = 'COMPLETE' AND s.modified >= ? GROUP BY d`,
    [`${dayOf(first)} 00:00:00`],
  );
  const counts = new Map(rows.map((r) => [r.d, Number(r.n)]));
  return Array.from({ length: days }, (_, i) => {
    const day = dayOf(new Date(first.getTime() + i * 86_400_000));
    return { day, count: counts.get(day) ?? 0 };
  });
}

/** Learners outside PENDING/ERRORED/ABORTED/COMPLETE: populate-retirement-states refuses while there are any. */
export async function learnersMidPipeline(ds: DataSource, requiredStates: readonly string[]): Promise<number> {
  const [row] = await ds.query(`SELECT COUNT(*) AS n ${FROM} WHERE r.state_name NOT IN (?)`, [requiredStates]);
  return Number(row.n);
}
