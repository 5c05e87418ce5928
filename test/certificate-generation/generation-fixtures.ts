import type { DataSource } from "typeorm";
import { hex32, insertUser } from "../support/fixtures";

/** A course run with an overview and web certificates on (the generating case), unless told otherwise. */
export async function insertCourse(ds: DataSource, opts: { key?: string; overview?: boolean; certHtmlViewEnabled?: boolean } = {}): Promise<string> {
  const key = opts.key ?? `course-v1:OrgG+C${hex32().slice(0, 6)}+R1`;
  if (opts.overview !== false) {
    await ds.query(`INSERT INTO course_overviews_courseoverview (id, org, display_name, cert_html_view_enabled) VALUES (?, 'OrgG', 'A course', ?)`, [key, opts.certHtmlViewEnabled === false ? 0 : 1]);
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
  await ds.query(`INSERT INTO auth_userprofile (user_id, name) VALUES (?, ?)`, [user.id, o.profileName ?? `Ada Lovelace ${user.id}`]);
  const mode = o.mode === undefined ? "verified" : o.mode;
  if (mode !== null) {
    await ds.query(`INSERT INTO student_courseenrollment (user_id, course_id, mode, is_active) VALUES (?, ?, ?, ?)`, [user.id, courseKey, mode, o.enrollmentActive === false ? 0 : 1]);
  }
  const percent = o.percent === undefined ? 0.87 : o.percent;
  if (percent !== null) await setGrade(ds, user.id, courseKey, percent, o.passed ?? true);
  return user.id;
}

export async function setGrade(ds: DataSource, userId: number, courseKey: string, percent: number, passed: boolean): Promise<void> {
  await ds.query(
    `INSERT INTO grades_persistentcoursegrade (user_id, course_id, percent_grade, letter_grade, passed_timestamp) VALUES (?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE percent_grade = VALUES(percent_grade), letter_grade = VALUES(letter_grade), passed_timestamp = VALUES(passed_timestamp)`,
    [userId, courseKey, percent, passed ? "Pass" : "", passed ? new Date() : null],
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
  const result = await ds.query(
    `INSERT INTO certificates_generatedcertificate (user_id, course_id, verify_uuid, download_uuid, download_url, grade, \`key\`, status, mode, name, created_date, modified_date)
     VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?)`,
    [userId, courseKey, c.verifyUuid ?? hex32(), c.downloadUuid ?? "", c.downloadUrl ?? "", c.grade ?? "0.5", c.status, c.mode ?? "verified", c.name ?? "Old Name", new Date("2024-01-01T00:00:00Z"), new Date("2024-01-01T00:00:00Z")],
  );
  return Number(result.insertId);
}

export async function allowlist(ds: DataSource, userId: number, courseKey: string, allowlisted = true): Promise<void> {
  await ds.query(`INSERT INTO certificates_certificateallowlist (user_id, course_id, allowlist, notes) VALUES (?, ?, ?, 'fixture')`, [userId, courseKey, allowlisted ? 1 : 0]);
}

export async function invalidate(ds: DataSource, certificateId: number, active = true): Promise<void> {
  const staff = await insertUser(ds, { isStaff: true });
  await ds.query(`INSERT INTO certificates_certificateinvalidation (generated_certificate_id, invalidated_by_id, notes, active) VALUES (?, ?, 'fixture', ?)`, [certificateId, staff.id, active ? 1 : 0]);
}

export async function makeBetaTester(ds: DataSource, userId: number, courseKey: string): Promise<void> {
  const org = courseKey.replace(/^course-v1:/, "").split(/[+/]/)[0];
  await ds.query(`INSERT INTO student_courseaccessrole (user_id, org, course_id, role) VALUES (?, ?, ?, 'beta_testers')`, [userId, org, courseKey]);
}

export async function verifyIdentity(ds: DataSource, userId: number, opts: { table?: string; createdAt?: Date; expiration?: Date | null; status?: string } = {}): Promise<void> {
  const table = opts.table ?? "verify_student_manualverification";
  const created = opts.createdAt ?? new Date();
  const expirationColumn = table === "verify_student_verificationattempt" ? "expiration_datetime" : "expiration_date";
  await ds.query(`INSERT INTO ${table} (user_id, status, created_at, updated_at, ${expirationColumn}) VALUES (?, ?, ?, ?, ?)`, [userId, opts.status ?? "approved", created, created, opts.expiration ?? null]);
}

export async function certificateRow(ds: DataSource, userId: number, courseKey: string): Promise<Record<string, unknown> | undefined> {
  const rows = await ds.query(`SELECT * FROM certificates_generatedcertificate WHERE user_id = ? AND course_id = ?`, [userId, courseKey]);
  return rows[0];
}

export async function historyRows(ds: DataSource, certificateId: number): Promise<Array<Record<string, unknown>>> {
  return ds.query(`SELECT * FROM certificates_historicalgeneratedcertificate WHERE id = ? ORDER BY history_id`, [certificateId]);
}
