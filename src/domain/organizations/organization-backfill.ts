/**
 * The rules of edx-platform's `backfill_orgs_and_org_courses` and of edx-organizations' bulk_add_organizations /
 * bulk_add_organization_courses (organizations/data.py), as plain functions over rows, so the command's dry run and
 * every chunk job decide the same way.
 *
 * - Short names match case-insensitively (upstream lowercases "because MySQL UNIQUE is case-insensitive"): among
 *   requested names that differ only by case, the first in sorted order wins; an existing organization matches
 *   whatever its case and is never renamed.
 * - `activate` (off with --inactive): new rows are created with active = activate, and existing inactive rows are
 *   reactivated only when activate is true.
 * - Linkages are identified by (lowercased short name, course id) and reported that way.
 */

/** Python's sorted() order for str: by code point (JS's default sort compares UTF-16 code units). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

export function sortedStrings(items: Iterable<string>): string[] {
  return [...items].sort(compareCodePoints);
}

/** A linkage as upstream reports it: (lowercased organization short name, course id). */
export type LinkagePair = readonly [shortNameLower: string, courseId: string];

function sortedPairs(items: Iterable<LinkagePair>): LinkagePair[] {
  return [...items].sort((a, b) => compareCodePoints(a[0], b[0]) || compareCodePoints(a[1], b[1]));
}

/**
 * The organizations to ensure, keyed by lowercased short name: upstream builds `{short_name: slug, name: slug}` for
 * the sorted unique slugs and keeps the first per lowercased short name.
 */
export function canonicalOrganizations(slugs: Iterable<string>): Map<string, string> {
  const byLower = new Map<string, string>();
  for (const slug of sortedStrings(new Set(slugs))) {
    const lower = slug.toLowerCase();
    if (!byLower.has(lower)) byLower.set(lower, slug);
  }
  return byLower;
}

export interface ExistingOrganization {
  id: number;
  shortName: string;
  active: boolean;
}

interface OrganizationPlan {
  /** Short names to insert, as requested (canonical spelling). */
  create: string[];
  /** Existing inactive organizations to reactivate (empty unless activate). */
  reactivate: ExistingOrganization[];
}

/** bulk_create_organizations: which requested organizations are missing, and which existing ones are inactive. */
export function planOrganizations(requested: Map<string, string>, existing: ExistingOrganization[], activate: boolean): OrganizationPlan {
  const matching = existing.filter((o) => requested.has(o.shortName.toLowerCase()));
  const existingLower = new Set(matching.map((o) => o.shortName.toLowerCase()));
  const create = [...requested].filter(([lower]) => !existingLower.has(lower)).map(([, name]) => name);
  const reactivate = activate ? matching.filter((o) => !o.active) : [];
  return { create: sortedStrings(create), reactivate };
}

export interface ExistingLinkage {
  id: number;
  courseId: string;
  /** The linked organization's short name, lowercased. */
  shortNameLower: string;
  active: boolean;
}

interface LinkagePlan {
  create: LinkagePair[];
  reactivate: ExistingLinkage[];
}

const pairKey = (lower: string, courseId: string) => `${lower}\u0000${courseId}`;

/** bulk_create_organization_courses: requested pairs missing from the database, and existing inactive ones. */
export function planLinkages(requested: Iterable<LinkagePair>, existing: ExistingLinkage[], activate: boolean): LinkagePlan {
  const wanted = new Map<string, LinkagePair>();
  for (const [name, courseId] of requested) wanted.set(pairKey(name.toLowerCase(), courseId), [name.toLowerCase(), courseId]);
  const inDatabase = new Set(existing.map((l) => pairKey(l.shortNameLower, l.courseId)));
  const create = [...wanted].filter(([key]) => !inDatabase.has(key)).map(([, pair]) => pair);
  const reactivate = activate ? existing.filter((l) => !l.active && wanted.has(pairKey(l.shortNameLower, l.courseId))) : [];
  return { create: sortedPairs(create), reactivate };
}

/** What a backfill created and reactivated (or, in a dry run, would). */
export interface BackfillOutcome {
  organizationsCreated: string[];
  organizationsReactivated: string[];
  linkagesCreated: LinkagePair[];
  linkagesReactivated: LinkagePair[];
}

export function emptyOutcome(): BackfillOutcome {
  return { organizationsCreated: [], organizationsReactivated: [], linkagesCreated: [], linkagesReactivated: [] };
}

/** Adds one chunk's outcome to the total (each row is created or reactivated by exactly one chunk). */
export function addOutcome(total: BackfillOutcome, part: BackfillOutcome): BackfillOutcome {
  return {
    organizationsCreated: [...total.organizationsCreated, ...part.organizationsCreated],
    organizationsReactivated: [...total.organizationsReactivated, ...part.organizationsReactivated],
    linkagesCreated: [...total.linkagesCreated, ...part.linkagesCreated],
    linkagesReactivated: [...total.linkagesReactivated, ...part.linkagesReactivated],
  };
}

const RULE = "------------------------------------------------------";

/**
 * The report upstream's bulk_add_data prints, line for line: "Dry-run of bulk-adding" / "Will create" /
 * "Will reactivate" for a dry run, "Bulk-adding" / "Created" / "Reactivated" when applied; sorted entries indented
 * by four spaces; linkages as `shortname,course_id` with the short name lowercased.
 */
export function backfillReport(outcome: BackfillOutcome, dryRun: boolean): string[] {
  const adding = dryRun ? "Dry-run of bulk-adding" : "Bulk-adding";
  const created = dryRun ? "Will create" : "Created";
  const reactivated = dryRun ? "Will reactivate" : "Reactivated";
  const names = (list: string[]) => sortedStrings(new Set(list)).map((n) => `    ${n}`);
  const pairs = (list: LinkagePair[]) => {
    const unique = new Map(list.map((p) => [pairKey(p[0], p[1]), p] as const));
    return sortedPairs(unique.values()).map(([n, c]) => `    ${n},${c}`);
  };
  const orgsCreated = names(outcome.organizationsCreated);
  const orgsReactivated = names(outcome.organizationsReactivated);
  const linksCreated = pairs(outcome.linkagesCreated);
  const linksReactivated = pairs(outcome.linkagesReactivated);
  return [
    RULE,
    `${adding} organizations...`,
    `${created} ${orgsCreated.length} organizations:`,
    ...orgsCreated,
    `${reactivated} ${orgsReactivated.length} organizations:`,
    ...orgsReactivated,
    RULE,
    `${adding} organization-course linkages...`,
    `${created} ${linksCreated.length} organization-course linkages:`,
    ...linksCreated,
    `${reactivated} ${linksReactivated.length} organization-course linkages:`,
    ...linksReactivated,
    RULE,
  ];
}

/** upstream's prompt loop: y/yes/n/no in any case; anything else asks again. */
export const CONFIRM_PROMPT = "Commit changes shown above to the database [y/n]? ";

export function confirmationAnswer(answer: string): boolean | undefined {
  const a = answer.toLowerCase();
  if (a === "y" || a === "yes") return true;
  if (a === "n" || a === "no") return false;
  return undefined;
}

/**
 * One chunk job's work: the course runs with afterId < id <= lastId in course_overviews_courseoverview (keyset on
 * the primary key; afterId null = from the start), or none (`courses: null`, the chunk of organizations only seen
 * in V1 library keys), and the canonical short names of the organizations the producer saw for them.
 */
export interface BackfillChunk {
  backfillId: string;
  chunk: number;
  courses: { afterId: string | null; lastId: string } | null;
  organizations: string[];
  /** false with --inactive: create inactive rows and reactivate nothing. */
  activate: boolean;
}
