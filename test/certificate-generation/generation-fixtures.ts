import type { DataSource } from "typeorm";
import { hex32, insertUser } from "../support/fixtures";
import { insertLmsRow } from "../support/lms-seed";

/** A course run with an overview and web certificates on (the generating case), unless told otherwise. */
export async function insertCourse(ds: DataSource, opts: { key?: string; overview?: boolean; certHtmlViewEnabled?: boolean } = {}): Promise<string> {
  const key = opts.key ?? `course-v1:OrgG+C${hex32().slice(0, 6)}+R1`;
  if (opts.overview !== false) {
    await insertLmsRow(ds, "course_overviews_courseoverview", { id: key, org: "OrgG", display_name: "A course", cert_html_view_enabled: opts.certHtmlViewEnabled === false ? 0 : 1 });
  }
  return key;
}

export interface LearnerOptions {
  /** Enrollment mode; null = not enrolled. */
  mode?: string | null;
  enrollmentActive?: boolean;
  /** Persistent grade percent; null = no grade row. */
  percent?: number | null;
  passed?: boolean;
  profileName?: string;
}

/** A learner (with recognisable PII) enrolled, graded and with a profile, in one course run. */
export async function insertLearner(ds: DataSource, courseKey: string, o: LearnerOptions = {}): Promise<number> {
  const user = await insertUser(ds);
  await insertLmsRow(ds, "auth_userprofile", { user_id: user.id, name: o.profileName ?? `Ada Lovelace ${user.id}` });
  const mode = o.mode === undefined ? "verified" : o.mode;
  if (mode !== null) {
    await insertLmsRow(ds, "student_courseenrollment", { user_id: user.id, course_id: courseKey, mode, is_active: o.enrollmentActive === false ? 0 : 1 });
  }
  const percent = o.percent === undefined ? 0.87 : o.percent;
  if (percent !== null) await setGrade(ds, user.id, courseKey, percent, o.passed ?? true);
  return user.id;
}

export async function setGrade(ds: DataSource, userId: number, courseKey: string, percent: number, passed: boolean): Promise<void> {
  await insertLmsRow(
    ds,
    "grades_persistentcoursegrade",
    { user_id: userId, course_id: courseKey, percent_grade: percent, letter_grade: passed ? "Pass" : "", passed_timestamp: passed ? new Date() : null },
    { updateOnDuplicate: ["percent_grade", "letter_grade", "passed_timestamp"] },
  );
}

export interface ExistingCertificate {
  status: string;
  mode?: string;
  grade?: string;
  verifyUuid?: string;
  downloadUuid?: string;
  downloadUrl?: string;
  name?: string;
}

export async function insertCertificate(ds: DataSource, userId: number, courseKey: string, c: ExistingCertificate): Promise<number> {
  const created = new Date("2024-01-01T00:00:00Z");
  return insertLmsRow(ds, "certificates_generatedcertificate", {
    user_id: userId, course_id: courseKey, verify_uuid: c.verifyUuid ?? hex32(), download_uuid: c.downloadUuid ?? "", download_url: c.downloadUrl ?? "",
    grade: c.grade ?? "0.5", key: "", status: c.status, mode: c.mode ?? "verified", name: c.name ?? "Old Name", created_date: created, modified_date: created,
  });
}

export async function allowlist(ds: DataSource, userId: number, courseKey: string, allowlisted = true): Promise<void> {
  await insertLmsRow(ds, "certificates_certificateallowlist", { user_id: userId, course_id: courseKey, allowlist: allowlisted ? 1 : 0, notes: "fixture" });
}

export async function invalidate(ds: DataSource, certificateId: number, active = true): Promise<void> {
  const staff = await insertUser(ds, { isStaff: true });
  await insertLmsRow(ds, "certificates_certificateinvalidation", { generated_certificate_id: certificateId, invalidated_by_id: staff.id, notes: "fixture", active: active ? 1 : 0 });
}

export async function makeBetaTester(ds: DataSource, userId: number, courseKey: string): Promise<void> {
  const org = courseKey.replace(/^course-v1:/, "").split(/[+/]/)[0];
  await insertLmsRow(ds, "student_courseaccessrole", { user_id: userId, org, course_id: courseKey, role: "beta_testers" });
}

export async function verifyIdentity(ds: DataSource, userId: number, opts: { table?: string; createdAt?: Date; expiration?: Date | null; status?: string } = {}): Promise<void> {
  const table = opts.table ?? "verify_student_manualverification";
  const created = opts.createdAt ?? new Date();
  const expirationColumn = table === "verify_student_verificationattempt" ? "expiration_datetime" : "expiration_date";
  await insertLmsRow(ds, table, { user_id: userId, status: opts.status ?? "approved", created_at: created, updated_at: created, [expirationColumn]: opts.expiration ?? null });
}

export async function certificateRow(ds: DataSource, userId: number, courseKey: string): Promise<Record<string, unknown> | undefined> {
  const rows = await ds.query(`SELECT * FROM certificates_generatedcertificate WHERE user_id = ? AND course_id = ?`, [userId, courseKey]);
  return rows[0];
}

export async function historyRows(ds: DataSource, certificateId: number): Promise<Array<Record<string, unknown>>> {
  return ds.query(`SELECT * FROM certificates_historicalgeneratedcertificate WHERE id = ? ORDER BY history_id`, [certificateId]);
}
