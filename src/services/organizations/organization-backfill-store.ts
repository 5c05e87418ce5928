import type { DataSource, EntityManager } from "typeorm";
import { courseRunOrg } from "../../domain/organizations/organization-keys";
import {
  canonicalOrganizations,
  planLinkages,
  planOrganizations,
  sortedStrings,
  type BackfillChunk,
  type BackfillOutcome,
  type ExistingLinkage,
  type ExistingOrganization,
  type LinkagePair,
} from "../../domain/organizations/organization-backfill";
import { affectedRows } from "../../db/affected-rows";
import { TransientJobError } from "../../errors/transient-job-error";

type Querier = Pick<EntityManager, "query">;

interface ChunkOutcome extends BackfillOutcome {
  /** Course overview ids that are not course run keys: reported and skipped. */
  malformed: string[];
}

export interface ChunkResult extends ChunkOutcome {
  /** true when an earlier delivery already committed this chunk: its stored outcome, nothing done again. */
  replayed: boolean;
}

const CHUNK_TABLE = "openedx_workers_organization_backfill_chunk";

type OrganizationRow = { id: number; short_name: string; active: number };
type LinkageRow = { id: number; course_id: string; active: number; short_name: string };
const toOrganization = (r: OrganizationRow): ExistingOrganization => ({ id: Number(r.id), shortName: r.short_name, active: Number(r.active) === 1 });
const toLinkage = (r: LinkageRow): ExistingLinkage => ({ id: Number(r.id), courseId: r.course_id, shortNameLower: r.short_name.toLowerCase(), active: Number(r.active) === 1 });
const LINKAGES = "SELECT oc.id, oc.course_id, oc.active, o.short_name FROM organizations_organizationcourse oc JOIN organizations_organization o ON o.id = oc.organization_id";

/** Short names as SQL parameters for `LOWER(short_name) IN (?)`; upstream's query_organizations_by_short_name. */
async function organizationsByLowerName(m: Querier, lowerNames: Iterable<string>): Promise<ExistingOrganization[]> {
  const names = [...new Set(lowerNames)];
  if (names.length === 0) return [];
  const rows: OrganizationRow[] = await m.query("SELECT id, short_name, active FROM organizations_organization WHERE LOWER(short_name) IN (?) ORDER BY id", [names]);
  return rows.map(toOrganization);
}

/** Every linkage of these course ids, with its organization's lowercased short name. */
async function linkagesOfCourses(m: Querier, courseIds: string[]): Promise<ExistingLinkage[]> {
  if (courseIds.length === 0) return [];
  const rows: LinkageRow[] = await m.query(`${LINKAGES} WHERE oc.course_id IN (?)`, [courseIds]);
  return rows.map(toLinkage);
}

/** One keyset page of course overview ids after `afterId` (null: from the start). */
export async function courseOverviewIdPage(m: Querier, afterId: string | null, limit: number): Promise<string[]> {
  const rows: { id: string }[] = afterId === null
    ? await m.query("SELECT id FROM course_overviews_courseoverview ORDER BY id LIMIT ?", [limit])
    : await m.query("SELECT id FROM course_overviews_courseoverview WHERE id > ? ORDER BY id LIMIT ?", [afterId, limit]);
  return rows.map((r) => r.id);
}

async function courseOverviewIdsOfChunk(m: Querier, courses: NonNullable<BackfillChunk["courses"]>): Promise<string[]> {
  const rows: { id: string }[] = courses.afterId === null
    ? await m.query("SELECT id FROM course_overviews_courseoverview WHERE id <= ? ORDER BY id", [courses.lastId])
    : await m.query("SELECT id FROM course_overviews_courseoverview WHERE id > ? AND id <= ? ORDER BY id", [courses.afterId, courses.lastId]);
  return rows.map((r) => r.id);
}

/** The pairs (org, course id) of these ids, and the ids that do not parse as course run keys. */
export function orgCoursePairs(courseIds: string[]): { pairs: [org: string, courseId: string][]; malformed: string[] } {
  const pairs: [string, string][] = [];
  const malformed: string[] = [];
  for (const id of courseIds) {
    const org = courseRunOrg(id);
    if (org === null) malformed.push(id);
    else pairs.push([org, id]);
  }
  return { pairs, malformed };
}

const RACE_ERRORS = new Set(["ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT"]);

/**
 * Runs an INSERT; false when a unique key already holds the row (committed by another transaction, which this one
 * waited for). A duplicate-key error undoes only the statement, not the transaction. Not `ON DUPLICATE KEY UPDATE`:
 * with mysql2's CLIENT_FOUND_ROWS an untouched duplicate still counts as an affected row.
 */
async function insertUnlessDuplicate(m: Querier, sql: string, params: unknown[]): Promise<boolean> {
  try {
    await m.query(sql, params);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === "ER_DUP_ENTRY") return false;
    throw err;
  }
}

/**
 * Applies one chunk in one READ COMMITTED transaction, so a worker killed anywhere in it leaves nothing behind:
 * 1. claims the chunk by inserting its row in openedx_workers_organization_backfill_chunk; a second delivery of the
 *    same chunk waits on that unique key and, once the first commits, replays the stored outcome instead;
 * 2. inserts the missing organizations one by one in sorted order (a concurrent chunk inserting the same short name
 *    waits for the first to commit, then gets a duplicate key: only the chunk whose INSERT succeeded reports it as
 *    created), and reactivates inactive ones by compare-and-set on active = 0;
 * 3. inserts the missing linkages in one statement and reactivates inactive ones; if another backfill created or
 *    reactivated the same linkages meanwhile, the transaction rolls back and the job retries on fresh rows;
 * 4. stores the outcome in the chunk row.
 * No history rows are written, as upstream's bulk_create / QuerySet.update write none.
 */
export async function applyBackfillChunk(ds: DataSource, chunk: BackfillChunk): Promise<ChunkResult> {
  try {
    return await ds.transaction("READ COMMITTED", (m) => applyInTransaction(m, chunk));
  } catch (err) {
    if (RACE_ERRORS.has((err as { code?: string }).code ?? "")) {
      throw new TransientJobError(`organizations backfill chunk ${chunk.chunk}: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
}

async function applyInTransaction(m: EntityManager, chunk: BackfillChunk): Promise<ChunkResult> {
  const claimed = await insertUnlessDuplicate(m, `INSERT INTO ${CHUNK_TABLE} (backfill_id, chunk, created) VALUES (?, ?, UTC_TIMESTAMP(6))`, [chunk.backfillId, chunk.chunk]);
  if (!claimed) {
    const [row] = await m.query(`SELECT outcome FROM ${CHUNK_TABLE} WHERE backfill_id = ? AND chunk = ?`, [chunk.backfillId, chunk.chunk]);
    return { ...(JSON.parse(row.outcome) as ChunkOutcome), replayed: true };
  }

  const courseIds = chunk.courses ? await courseOverviewIdsOfChunk(m, chunk.courses) : [];
  const { pairs, malformed } = orgCoursePairs(courseIds);
  // The producer's canonical spellings; a course run added since the scan brings its own org spelling.
  const requested = canonicalOrganizations(chunk.organizations);
  for (const [lower, name] of canonicalOrganizations(pairs.map(([org]) => org))) if (!requested.has(lower)) requested.set(lower, name);

  const orgPlan = planOrganizations(requested, await organizationsByLowerName(m, requested.keys()), chunk.activate);
  const outcome: ChunkOutcome = { organizationsCreated: [], organizationsReactivated: [], linkagesCreated: [], linkagesReactivated: [], malformed };
  for (const shortName of orgPlan.create) {
    const created = await insertUnlessDuplicate(
      m,
      `INSERT INTO organizations_organization (created, modified, name, short_name, description, logo, active)
       VALUES (UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), ?, ?, NULL, NULL, ?)`,
      [shortName, shortName, chunk.activate ? 1 : 0],
    );
    if (created) outcome.organizationsCreated.push(shortName);
  }
  for (const org of orgPlan.reactivate) {
    // QuerySet.update(active=True): `modified` is left as it was, as upstream leaves it.
    const r = await m.query("UPDATE organizations_organization SET active = 1 WHERE id = ? AND active = 0", [org.id]);
    if (affectedRows(r) === 1) outcome.organizationsReactivated.push(org.shortName);
  }

  const wanted: LinkagePair[] = pairs.map(([org, courseId]) => [org.toLowerCase(), courseId]);
  const linkPlan = planLinkages(wanted, await linkagesOfCourses(m, courseIds), chunk.activate);
  if (linkPlan.create.length > 0) {
    const orgIds = new Map<string, number>();
    for (const org of await organizationsByLowerName(m, linkPlan.create.map(([lower]) => lower))) {
      if (!orgIds.has(org.shortName.toLowerCase())) orgIds.set(org.shortName.toLowerCase(), org.id);
    }
    const values = linkPlan.create.map(([lower, courseId]) => {
      const orgId = orgIds.get(lower);
      if (orgId === undefined) throw new TransientJobError(`organization ${lower} vanished while linking ${courseId}`);
      return [courseId, chunk.activate ? 1 : 0, orgId];
    });
    const inserted = await insertUnlessDuplicate(
      m,
      `INSERT INTO organizations_organizationcourse (created, modified, course_id, active, organization_id)
       VALUES ${values.map(() => "(UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), ?, ?, ?)").join(", ")}`,
      values.flat(),
    );
    if (!inserted) throw new TransientJobError(`organizations backfill chunk ${chunk.chunk}: linkages created by a concurrent backfill; retrying`);
    outcome.linkagesCreated.push(...linkPlan.create);
  }
  if (linkPlan.reactivate.length > 0) {
    const r = await m.query("UPDATE organizations_organizationcourse SET active = 1 WHERE id IN (?) AND active = 0", [linkPlan.reactivate.map((l) => l.id)]);
    if (affectedRows(r) !== linkPlan.reactivate.length) {
      throw new TransientJobError(`organizations backfill chunk ${chunk.chunk}: linkages reactivated by a concurrent backfill; retrying`);
    }
    outcome.linkagesReactivated.push(...linkPlan.reactivate.map((l) => [l.shortNameLower, l.courseId] as const));
  }

  outcome.organizationsCreated = sortedStrings(outcome.organizationsCreated);
  await m.query(`UPDATE ${CHUNK_TABLE} SET outcome = ? WHERE backfill_id = ? AND chunk = ?`, [JSON.stringify(outcome), chunk.backfillId, chunk.chunk]);
  return { ...outcome, replayed: false };
}

/** The stored outcomes of a backfill's finished chunks, by chunk number. */
export async function finishedChunkOutcomes(m: Querier, backfillId: string): Promise<Map<number, ChunkOutcome>> {
  const rows: { chunk: number; outcome: string | null }[] = await m.query(`SELECT chunk, outcome FROM ${CHUNK_TABLE} WHERE backfill_id = ?`, [backfillId]);
  return new Map(rows.filter((r) => r.outcome !== null).map((r) => [Number(r.chunk), JSON.parse(r.outcome!) as ChunkOutcome]));
}

/** Forgets chunk rows older than `days` (their backfills finished long ago). */
export async function pruneChunkRecords(m: Querier, days = 30): Promise<void> {
  await m.query(`DELETE FROM ${CHUNK_TABLE} WHERE created < UTC_TIMESTAMP(6) - INTERVAL ? DAY`, [days]);
}

/** Every organization and every linkage, for the dry run (upstream's bulk functions also load them all). */
export async function allOrganizations(m: Querier): Promise<ExistingOrganization[]> {
  const rows: OrganizationRow[] = await m.query("SELECT id, short_name, active FROM organizations_organization ORDER BY id");
  return rows.map(toOrganization);
}

export async function allLinkages(m: Querier): Promise<ExistingLinkage[]> {
  const rows: LinkageRow[] = await m.query(LINKAGES);
  return rows.map(toLinkage);
}
