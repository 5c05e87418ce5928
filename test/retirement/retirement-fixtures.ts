import { Writable } from "node:stream";
import type { DataSource } from "typeorm";
import { createLogger, type Logger } from "../../src/logging/logger";
import { hex32, insertPdfCertificate, insertUser } from "../support/fixtures";
import { runCliInProcess } from "../support/cli";
import type { Harness } from "../support/harness";

/** Non-public salts, so these tests run without development mode. */
export const RETIREMENT_ENV = { RETIRED_USER_SALTS: '["old-salt","test-salt"]', OPENEDX_WORKERS_DEVELOPMENT_MODE: "false" };

/** A learner with a row in every table the default pipeline touches, and the PII a leak check looks for. */
export interface LearnerFixture {
  userId: number;
  pii: string[];
  originalEmail: string;
  courseIds: string[];
  certificateIds: number[];
  pdfKeys: string[];
}

export async function insertLearner(h: Harness, opts: { pdf?: boolean } = {}): Promise<LearnerFixture> {
  const ds = h.ds;
  const user = await insertUser(ds);
  const name = `${user.firstName} ${user.lastName}`;
  const [profile] = await ds.query(
    `INSERT INTO auth_userprofile (user_id, name, meta, location, year_of_birth, gender, mailing_address, city, country, bio, phone_number, goals)
     VALUES (?, ?, '{"k":"v"}', 'Somewhere', 1815, 'f', '12 St James Sq', 'London', 'GB', 'Mathematician', '+44 20 0000', 'analytical engines')
     RETURNING id`,
    [user.id, name],
  );
  const courseIds = [`course-v1:OrgX+R${user.id}+2026`, `course-v1:OrgY+R${user.id}+2026`];
  const enrollmentIds: number[] = [];
  for (const courseId of courseIds) {
    const [row] = await ds.query("INSERT INTO student_courseenrollment (user_id, course_id, mode, is_active) VALUES (?, ?, 'verified', 1) RETURNING id", [user.id, courseId]);
    enrollmentIds.push(Number(row.id));
  }
  await ds.query("INSERT INTO student_courseenrollment (user_id, course_id, mode, is_active) VALUES (?, ?, 'audit', 0)", [user.id, `course-v1:OrgZ+Old${user.id}+2020`]);
  await ds.query("INSERT INTO student_manualenrollmentaudit (enrolled_email, state_transition, reason, enrollment_id) VALUES (?, 'from unenrolled to enrolled', 'paid by invoice', ?)", [user.email, enrollmentIds[0]]);
  await ds.query("INSERT INTO student_pendingnamechange (user_id, new_name, rationale) VALUES (?, ?, 'married')", [user.id, `${name} Byron`]);
  await ds.query("INSERT INTO student_pendingemailchange (user_id, new_email, activation_key) VALUES (?, ?, ?)", [user.id, `new.${user.email}`, hex32()]);
  await ds.query("INSERT INTO student_pendingsecondaryemailchange (user_id, new_secondary_email, activation_key) VALUES (?, ?, ?)", [user.id, `second.${user.email}`, hex32()]);
  await ds.query("INSERT INTO auth_accountrecovery (user_id, secondary_email, is_active) VALUES (?, ?, 1)", [user.id, `recovery.${user.email}`]);
  await ds.query("INSERT INTO user_api_userorgtag (user_id, `key`, org, value) VALUES (?, 'email-optin', 'OrgX', 'True')", [user.id]);
  await ds.query("INSERT INTO student_sociallink (user_profile_id, platform, social_link) VALUES (?, 'twitter', ?)", [profile.id, `https://twitter.com/${user.username}`]);
  await ds.query("INSERT INTO student_courseenrollmentallowed (email, course_id, auto_enroll) VALUES (?, ?, 1)", [user.email, `course-v1:OrgX+Invite${user.id}+2026`]);
  await ds.query("INSERT INTO course_groups_unregisteredlearnercohortassignments (email, course_id, course_user_group_id) VALUES (?, ?, 1)", [user.email, courseIds[0]]);

  const certificateIds: number[] = [];
  const pdfKeys: string[] = [];
  if (opts.pdf) {
    const { certificate, keys } = await insertPdfCertificate(ds, h.bucket!.name, { userId: user.id, courseId: courseIds[0], name });
    await h.bucket!.put(keys);
    certificateIds.push(certificate.id);
    pdfKeys.push(...keys);
  }
  const [cert] = await ds.query(
    "INSERT INTO certificates_generatedcertificate (user_id, course_id, status, name, created_date, modified_date) VALUES (?, ?, 'downloadable', ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)) RETURNING id",
    [user.id, courseIds[1], name],
  );
  certificateIds.push(Number(cert.id));
  await ds.query(
    `INSERT INTO certificates_historicalgeneratedcertificate (id, user_id, course_id, status, name, created_date, modified_date, history_date, history_type)
     VALUES (?, ?, ?, 'downloadable', ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), '+')`,
    [cert.id, user.id, courseIds[1], name],
  );
  return {
    userId: user.id,
    pii: [user.username, user.email, user.firstName, user.lastName, name],
    originalEmail: user.email,
    courseIds,
    certificateIds,
    pdfKeys,
  };
}

/** populate-retirement-states, then request-retirement for these learners, their requests made 8 days ago. */
export async function requestRetirements(h: Harness, userIds: number[], env: Record<string, string> = RETIREMENT_ENV): Promise<void> {
  const populate = await runCliInProcess(["populate-retirement-states"], h.env(env));
  if (populate.code !== 0) throw new Error(`populate failed: ${populate.err}`);
  const request = await runCliInProcess(["request-retirement", "--user-ids", userIds.join(",")], h.env(env));
  if (request.code !== 0) throw new Error(`request-retirement failed: ${request.err}`);
  await h.ds.query("UPDATE user_api_userretirementstatus SET created = UTC_TIMESTAMP(6) - INTERVAL 8 DAY WHERE user_id IN (?)", [userIds]);
}

export async function stateOf(ds: DataSource, userId: number): Promise<string | undefined> {
  const rows = await ds.query(
    "SELECT r.state_name FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id WHERE s.user_id = ?",
    [userId],
  );
  return rows[0]?.state_name;
}

export async function responsesOf(ds: DataSource, userId: number): Promise<string> {
  const rows = await ds.query("SELECT responses FROM user_api_userretirementstatus WHERE user_id = ?", [userId]);
  return rows[0]?.responses ?? "";
}

/** Every "Moved from A to B" line of a learner's responses, as "A -> B" with the step numbers dropped. */
export function transitions(responses: string): string[] {
  return [...responses.matchAll(/\n Moved from (\w+) \(step \d+\) to (\w+) \(step \d+\):/g)].map((m) => `${m[1]} -> ${m[2]}`);
}

/** A JSON logger at debug level whose output the test can read. */
export function capturedLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ log: { level: "debug", format: "json" } }, stream), text: () => chunks.join("") };
}

export const DEFAULT_TRANSITIONS = [
  "PENDING -> LOCKING_ACCOUNT",
  "LOCKING_ACCOUNT -> LOCKING_COMPLETE",
  "LOCKING_COMPLETE -> RETIRING_EMAIL_LISTS",
  "RETIRING_EMAIL_LISTS -> EMAIL_LISTS_COMPLETE",
  "EMAIL_LISTS_COMPLETE -> RETIRING_ENROLLMENTS",
  "RETIRING_ENROLLMENTS -> ENROLLMENTS_COMPLETE",
  "ENROLLMENTS_COMPLETE -> RETIRING_LMS",
  "RETIRING_LMS -> LMS_COMPLETE",
  "LMS_COMPLETE -> COMPLETE",
];
