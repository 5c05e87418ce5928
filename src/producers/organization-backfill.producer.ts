import { randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import type { AppContext } from "../app/app-context";
import type { LibraryKey } from "../domain/organizations/organization-keys";
import {
  addOutcome,
  canonicalOrganizations,
  emptyOutcome,
  planLinkages,
  planOrganizations,
  type BackfillChunk,
  type BackfillOutcome,
  type LinkagePair,
} from "../domain/organizations/organization-backfill";
import { JobName, QueueName, jobIds } from "../queues/registry";
import {
  allLinkages,
  allOrganizations,
  courseOverviewIdPage,
  finishedChunkOutcomes,
  orgCoursePairs,
  pruneChunkRecords,
} from "../services/organizations/organization-backfill-store";

interface BackfillOptions {
  backfillId: string;
  /** Course runs per chunk job. */
  chunkSize: number;
  libraryKeys: LibraryKey[];
  /** false with --inactive. */
  activate: boolean;
  /** Called after each keyset page with the course runs read so far. */
  onScan?: (courseRuns: number) => void;
}

interface BackfillScan {
  backfillId: string;
  chunks: BackfillChunk[];
  courseRuns: number;
  /** course_overviews_courseoverview ids that are not course run keys, in id order: reported and skipped. */
  malformed: string[];
  /** Canonical short name per lowercased short name (courses and libraries), upstream's `orgs`. */
  organizations: Map<string, string>;
  /** upstream's org_courseid_pairs, short names lowercased. */
  linkages: LinkagePair[];
}

/** A backfill run's id: unique per run (so a second run does its own work and reports it), without ':'. */
export function newBackfillId(): string {
  return `run-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/**
 * Reads every course_overviews_courseoverview id by keyset pages of `chunkSize` (all versions, as upstream), and
 * turns each page into one chunk: (previous page's last id, this page's last id]. Organizations seen only in
 * library keys get a chunk of their own with no course runs.
 */
export async function scanBackfill(ds: DataSource, opts: BackfillOptions): Promise<BackfillScan> {
  const pages: { afterId: string | null; lastId: string; orgs: Set<string> }[] = [];
  const malformed: string[] = [];
  const linkages: LinkagePair[] = [];
  const slugs = new Set<string>();
  let afterId: string | null = null;
  let courseRuns = 0;
  for (;;) {
    const ids = await courseOverviewIdPage(ds, afterId, opts.chunkSize);
    if (ids.length === 0) break;
    const { pairs, malformed: bad } = orgCoursePairs(ids);
    malformed.push(...bad);
    for (const [org, courseId] of pairs) {
      slugs.add(org);
      linkages.push([org.toLowerCase(), courseId]);
    }
    pages.push({ afterId, lastId: ids[ids.length - 1], orgs: new Set(pairs.map(([org]) => org.toLowerCase())) });
    courseRuns += ids.length;
    opts.onScan?.(courseRuns);
    afterId = ids[ids.length - 1];
    if (ids.length < opts.chunkSize) break;
  }
  for (const key of opts.libraryKeys) slugs.add(key.org);
  const organizations = canonicalOrganizations(slugs);

  const base = { backfillId: opts.backfillId, activate: opts.activate };
  const chunks: BackfillChunk[] = pages.map((p, i) => ({
    ...base,
    chunk: i,
    courses: { afterId: p.afterId, lastId: p.lastId },
    organizations: [...p.orgs].map((lower) => organizations.get(lower)!),
  }));
  const inCourseChunks = new Set(pages.flatMap((p) => [...p.orgs]));
  const libraryOnly = [...organizations].filter(([lower]) => !inCourseChunks.has(lower)).map(([, name]) => name);
  if (libraryOnly.length > 0) chunks.push({ ...base, chunk: chunks.length, courses: null, organizations: libraryOnly });
  return { backfillId: opts.backfillId, chunks, courseRuns, malformed, organizations, linkages };
}

/** What applying the scan would do now: upstream's dry run (bulk_add_* with dry_run=True), read-only. */
export async function planBackfill(ds: DataSource, scan: BackfillScan, activate: boolean): Promise<BackfillOutcome> {
  const orgs = planOrganizations(scan.organizations, await allOrganizations(ds), activate);
  const links = planLinkages(scan.linkages, await allLinkages(ds), activate);
  return {
    organizationsCreated: orgs.create,
    organizationsReactivated: orgs.reactivate.map((o) => o.shortName),
    linkagesCreated: links.create,
    linkagesReactivated: links.reactivate.map((l) => [l.shortNameLower, l.courseId] as const),
  };
}

/** Enqueues one job per chunk under deterministic ids; returns the job ids. Prunes chunk rows older than 30 days. */
export async function enqueueBackfill(ctx: AppContext, scan: BackfillScan): Promise<string[]> {
  await pruneChunkRecords(ctx.dataSource);
  const requests = scan.chunks.map((c) => ({ name: JobName.BackfillOrganizationsChunk, data: c, jobId: jobIds.backfillOrganizationsChunk(c.backfillId, c.chunk) }));
  await ctx.queues.addMany(requests);
  return requests.map((r) => r.jobId);
}

interface BackfillProgress {
  done: number;
  total: number;
}

interface BackfillWaitResult {
  outcome: BackfillOutcome;
  /** Course overview ids the chunk jobs skipped as malformed (including any added since the scan). */
  malformed: string[];
  /** Chunks whose job failed for good, with BullMQ's failure reason. */
  failed: { chunk: number; reason: string }[];
}

/**
 * Waits until every chunk has a stored outcome (or its job failed for good), polling the chunk table (one query) and,
 * about once a second, the BullMQ state of the unfinished chunks. Resolves with the sum of the chunks' outcomes.
 */
export async function waitForBackfill(
  ctx: AppContext,
  scan: BackfillScan,
  opts: { onProgress?: (p: BackfillProgress) => void; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<BackfillWaitResult> {
  const total = scan.chunks.length;
  const queue = ctx.queues.queue(QueueName.Organizations);
  const failed = new Map<number, string>();
  let lastStateCheck = 0;
  for (;;) {
    const finished = await finishedChunkOutcomes(ctx.dataSource, scan.backfillId);
    opts.onProgress?.({ done: finished.size, total });
    if (Date.now() - lastStateCheck >= 1000) {
      lastStateCheck = Date.now();
      for (const c of scan.chunks) {
        if (finished.has(c.chunk) || failed.has(c.chunk)) continue;
        const job = await queue.getJob(jobIds.backfillOrganizationsChunk(scan.backfillId, c.chunk));
        if (!job) failed.set(c.chunk, "its job is gone from the queue (removed?)");
        else if ((await job.getState()) === "failed") failed.set(c.chunk, job.failedReason || "failed");
      }
    }
    if (finished.size + failed.size >= total || opts.signal?.aborted) {
      let outcome = emptyOutcome();
      const malformed: string[] = [];
      for (const c of scan.chunks) {
        const o = finished.get(c.chunk);
        if (!o) continue;
        outcome = addOutcome(outcome, o);
        malformed.push(...o.malformed);
      }
      return { outcome, malformed, failed: [...failed].map(([chunk, reason]) => ({ chunk, reason })).sort((a, b) => a.chunk - b.chunk) };
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}
