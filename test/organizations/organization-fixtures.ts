import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DataSource } from "typeorm";
import { runCli } from "../../src/cli/main";
import type { CliResult } from "../support/cli";
import { insertLmsRow, insertLmsRows } from "../support/lms-seed";

export async function insertCourseRuns(ds: DataSource, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    await insertLmsRows(ds, "course_overviews_courseoverview", batch.map((id) => ({ id, org: "" })));
  }
}

export async function insertOrganization(ds: DataSource, shortName: string, opts: { name?: string; active?: boolean } = {}): Promise<number> {
  const created = new Date("2020-01-01T00:00:00Z");
  return insertLmsRow(ds, "organizations_organization", { created, modified: created, name: opts.name ?? shortName, short_name: shortName, description: "kept", logo: null, active: opts.active === false ? 0 : 1 });
}

export async function insertLinkage(ds: DataSource, organizationId: number, courseId: string, active = true): Promise<void> {
  const created = new Date("2020-01-01T00:00:00Z");
  await insertLmsRow(ds, "organizations_organizationcourse", { created, modified: created, course_id: courseId, active: active ? 1 : 0, organization_id: organizationId });
}

/**
 * The acceptance fixture: course runs across orgs differing only by case (MyOrg / myorg), an existing active
 * organization with a linkage (org_A), an existing inactive organization spelled in another case ("inact" for
 * "Inact") with an inactive linkage, a deprecated key, and malformed ids; plus V1 library keys in a file.
 */
export const COURSE_RUNS = [
  "course-v1:MyOrg+C1+R1",
  "course-v1:myorg+C2+R1",
  "course-v1:org_A+X+1",
  "course-v1:org_A+X+2",
  "org_C/toy/3",
  "course-v1:Inact+Y+1",
];
export const MALFORMED = ["not a course key", "course-v1:bad", "library-v1:Lib+X"];
export const LIBRARY_KEYS = ["# V1 libraries from the modulestore", "library-v1:LibOrg+L1", "", "library-v1:org_a+L2"];

export async function seedAcceptanceFixture(ds: DataSource): Promise<{ libraryFile: string }> {
  await insertCourseRuns(ds, [...COURSE_RUNS, ...MALFORMED]);
  const orgA = await insertOrganization(ds, "org_A", { name: "Org A" });
  await insertLinkage(ds, orgA, "course-v1:org_A+X+1");
  const inact = await insertOrganization(ds, "inact", { name: "Inactive Org", active: false });
  await insertLinkage(ds, inact, "course-v1:Inact+Y+1", false);
  return { libraryFile: writeTempFile(LIBRARY_KEYS.join("\n")) };
}

export function writeTempFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owt-orgs-"));
  const file = path.join(dir, "library-keys.txt");
  fs.writeFileSync(file, text);
  return file;
}

export interface OrganizationRow {
  short_name: string;
  name: string;
  description: string | null;
  logo: string | null;
  active: number;
}

export async function organizations(ds: DataSource): Promise<OrganizationRow[]> {
  const rows = await ds.query("SELECT short_name, name, description, logo, active FROM organizations_organization ORDER BY id");
  return rows.map((r: OrganizationRow) => ({ ...r, active: Number(r.active) }));
}

/** Every linkage as "short_name,course_id,active", sorted. */
export async function linkages(ds: DataSource): Promise<string[]> {
  const rows = await ds.query(
    "SELECT o.short_name, oc.course_id, oc.active FROM organizations_organizationcourse oc JOIN organizations_organization o ON o.id = oc.organization_id ORDER BY oc.id",
  );
  return rows.map((r: { short_name: string; course_id: string; active: number }) => `${r.short_name},${r.course_id},${Number(r.active)}`).sort();
}

/** Everything the backfill may touch, for "changed nothing" checks. */
export async function snapshot(ds: DataSource): Promise<string> {
  const orgs = await ds.query("SELECT * FROM organizations_organization ORDER BY id");
  const links = await ds.query("SELECT * FROM organizations_organizationcourse ORDER BY id");
  const hist = await ds.query("SELECT (SELECT COUNT(*) FROM organizations_historicalorganization) AS o, (SELECT COUNT(*) FROM organizations_historicalorganizationcourse) AS c");
  return JSON.stringify({ orgs, links, hist });
}

/** Runs the CLI in this process as a terminal user typing `answers` to its prompts. */
export async function runCliInteractive(argv: string[], env: Record<string, string>, answers: string[]): Promise<CliResult & { prompts: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const prompts: string[] = [];
  const queue = [...answers];
  const code = await runCli(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { PATH: process.env.PATH, ...env },
    interactive: true,
    prompt: async (question) => {
      prompts.push(question);
      const answer = queue.shift();
      if (answer !== undefined) out.push(`${question}${answer}`);
      return answer ?? null;
    },
  });
  return { code, out: out.join("\n"), err: err.join("\n"), prompts };
}

const RULE = "------------------------------------------------------";

/** upstream's report for the acceptance fixture (activate = not --inactive). */
export function expectedReport(dryRun: boolean, activate: boolean): string {
  const [adding, created, reactivated] = dryRun ? ["Dry-run of bulk-adding", "Will create", "Will reactivate"] : ["Bulk-adding", "Created", "Reactivated"];
  return [
    RULE,
    `${adding} organizations...`,
    `${created} 3 organizations:`,
    "    LibOrg",
    "    MyOrg",
    "    org_C",
    ...(activate ? [`${reactivated} 1 organizations:`, "    inact"] : [`${reactivated} 0 organizations:`]),
    RULE,
    `${adding} organization-course linkages...`,
    `${created} 4 organization-course linkages:`,
    "    myorg,course-v1:MyOrg+C1+R1",
    "    myorg,course-v1:myorg+C2+R1",
    "    org_a,course-v1:org_A+X+2",
    "    org_c,org_C/toy/3",
    ...(activate ? [`${reactivated} 1 organization-course linkages:`, "    inact,course-v1:Inact+Y+1"] : [`${reactivated} 0 organization-course linkages:`]),
    RULE,
  ].join("\n");
}

export function emptyReport(): string {
  return [
    RULE,
    "Bulk-adding organizations...",
    "Created 0 organizations:",
    "Reactivated 0 organizations:",
    RULE,
    "Bulk-adding organization-course linkages...",
    "Created 0 organization-course linkages:",
    "Reactivated 0 organization-course linkages:",
    RULE,
  ].join("\n");
}
