/**
 * Open edX named releases, for saying which release first has a table or column. A release holds what edx-platform's
 * master had when the release branch was cut, some two months before the release: a migration generated before a
 * cut is in that release. The months are the Open edX release calendar's (branch cut, then release).
 */
export const LMS_RELEASES = [
  { name: "Olive", cut: "2022-10", released: "2022-12" },
  { name: "Palm", cut: "2023-04", released: "2023-06" },
  { name: "Quince", cut: "2023-10", released: "2023-12" },
  { name: "Redwood", cut: "2024-04", released: "2024-06" },
  { name: "Sumac", cut: "2024-10", released: "2024-12" },
  { name: "Teak", cut: "2025-04", released: "2025-06" },
  { name: "Ulmo", cut: "2025-10", released: "2025-12" },
] as const;

export type LmsReleaseName = (typeof LMS_RELEASES)[number]["name"];

/**
 * The oldest release the registry is written for: every table and column it lists without `addedIn` is in the
 * 2023-02 schema the tests run on (edx-platform master between Olive's cut and Palm's), and was created before
 * Olive's cut.
 */
export const BASELINE_RELEASE: LmsReleaseName = "Olive";

/** The first release whose branch was cut after a migration generated on `date` (YYYY-MM-DD). */
export function firstReleaseAfter(date: string): LmsReleaseName | undefined {
  return LMS_RELEASES.find((r) => date.slice(0, 7) < r.cut)?.name;
}

/** "Sumac (2024-12)". */
export function describeRelease(name: LmsReleaseName): string {
  const release = LMS_RELEASES.find((r) => r.name === name)!;
  return `${release.name} (${release.released})`;
}
