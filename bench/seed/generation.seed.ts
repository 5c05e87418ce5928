import { hex32 } from "../../test/support/fixtures";
import type { Harness } from "../../test/support/harness";
import { insertLmsRow } from "../../test/support/lms-seed";
import { insertRows, insertUsers } from "../support/bulk-sql";

/**
 * Every outcome branch of the generation rules, in turn (with the IDV requirement on, so the ID-verification
 * look-up is part of the work, as on a verified-track site).
 */
export const GENERATION_BRANCHES = [
  "passing, no certificate: downloadable created",
  "passing, notpassing certificate: updated to downloadable",
  "failing, no certificate: nothing written",
  "failing, already downloadable: left downloadable",
  "allowlisted, failing, honor: downloadable (allowlist path)",
  "passing, not enrolled: nothing written",
  "passing, audit mode: nothing written",
  "passing, beta tester: nothing written",
  "passing, invalidated certificate: revoked to unavailable",
  "passing, already downloadable: unchanged",
  "passing, verified, no ID verification: unverified created",
  "failing, unavailable certificate: set to notpassing",
] as const;

export const GENERATION_ENV = { ENABLE_CERTIFICATES_IDV_REQUIREMENT: "true" };

/** A course run with `count` learners spread over GENERATION_BRANCHES; returns the course key and learner ids. */
export async function seedGenerationCourse(h: Harness, count: number, tag: string): Promise<{ courseKey: string; userIds: number[] }> {
  const ds = h.ds;
  const courseKey = `course-v1:BenchG+C${tag}+R1`;
  await insertLmsRow(ds, "course_overviews_courseoverview", { id: courseKey, org: "BenchG", display_name: "Bench course", cert_html_view_enabled: 1 });
  const userIds = await insertUsers(ds, Array.from({ length: count }, (_, i) => `${tag}g${i}`));
  const [staffId] = await insertUsers(ds, [`${tag}gstaff`]);
  const profiles: unknown[][] = [];
  const enrollments: unknown[][] = [];
  const grades: unknown[][] = [];
  const certificates: unknown[][] = [];
  const allowlist: unknown[][] = [];
  const betaTesters: unknown[][] = [];
  const verifications: unknown[][] = [];
  const invalidated: number[] = [];
  const old = new Date("2024-01-01T00:00:00Z");
  userIds.forEach((userId, i) => {
    const branch = i % GENERATION_BRANCHES.length;
    profiles.push([userId, `Ada Lovelace ${userId}`]);
    const mode = branch === 4 ? "honor" : branch === 6 ? "audit" : "verified";
    if (branch !== 5) enrollments.push([userId, courseKey, mode, 1]);
    const passing = ![2, 3, 4, 11].includes(branch);
    grades.push([userId, courseKey, passing ? 0.87 : 0.2, passing ? "Pass" : "", passing ? new Date() : null]);
    const cert = (status: string) => certificates.push([userId, courseKey, hex32(), "", "", "0.5", "", status, mode, "Old Name", old, old]);
    if (branch === 1) cert("notpassing");
    if (branch === 11) cert("unavailable");
    if (branch === 3 || branch === 9) cert("downloadable");
    if (branch === 8) {
      cert("downloadable");
      invalidated.push(userId);
    }
    if (branch === 4) allowlist.push([userId, courseKey, 1, "bench"]);
    if (branch === 7) betaTesters.push([userId, "BenchG", courseKey, "beta_testers"]);
    if (branch !== 10) verifications.push([userId, "approved", new Date(), new Date()]);
  });
  await insertRows(ds, "auth_userprofile", ["user_id", "name"], profiles);
  await insertRows(ds, "student_courseenrollment", ["user_id", "course_id", "mode", "is_active"], enrollments);
  await insertRows(ds, "grades_persistentcoursegrade", ["user_id", "course_id", "percent_grade", "letter_grade", "passed_timestamp"], grades);
  await insertRows(ds, "certificates_generatedcertificate", ["user_id", "course_id", "verify_uuid", "download_uuid", "download_url", "grade", "key", "status", "mode", "name", "created_date", "modified_date"], certificates);
  await insertRows(ds, "certificates_certificateallowlist", ["user_id", "course_id", "allowlist", "notes"], allowlist);
  await insertRows(ds, "student_courseaccessrole", ["user_id", "org", "course_id", "role"], betaTesters);
  await insertRows(ds, "verify_student_manualverification", ["user_id", "status", "created_at", "updated_at"], verifications);
  if (invalidated.length > 0) {
    await ds.query(
      `INSERT INTO certificates_certificateinvalidation (created, modified, generated_certificate_id, invalidated_by_id, notes, active)
       SELECT UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), id, ?, 'bench', 1 FROM certificates_generatedcertificate WHERE course_id = ? AND user_id IN (?)`,
      [staffId, courseKey, invalidated],
    );
  }
  return { courseKey, userIds };
}
