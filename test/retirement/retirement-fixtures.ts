import { Writable } from "node:stream";
import type { DataSource } from "typeorm";
import { createLogger, type Logger } from "../../src/logging/logger";
import { hex32, insertPdfCertificate, insertUser } from "../support/fixtures";
import { insertLmsRow } from "../support/lms-seed";
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
  const profileId = await insertLmsRow(ds, "auth_userprofile", {
    user_id: user.id, name, meta: '{"k":"v"}', location: "Somewhere", year_of_birth: 1815, gender: "f", mailing_address: "12 St James Sq",
    city: "London", country: "GB", bio: "Mathematician", phone_number: "+44 20 0000", goals: "analytical engines",
  });
  const courseIds = [`course-v1:OrgX+R${user.id}+2026`, `course-v1:OrgY+R${user.id}+2026`];
  const enrollmentIds: number[] = [];
  for (const courseId of courseIds) enrollmentIds.push(await insertLmsRow(ds, "student_courseenrollment", { user_id: user.id, course_id: courseId, mode: "verified", is_active: 1 }));
  await insertLmsRow(ds, "student_courseenrollment", { user_id: user.id, course_id: `course-v1:OrgZ+Old${user.id}+2020`, mode: "audit", is_active: 0 });
  await insertLmsRow(ds, "student_manualenrollmentaudit", { enrolled_email: user.email, state_transition: "from unenrolled to enrolled", reason: "paid by invoice", enrollment_id: enrollmentIds[0] });
  await insertLmsRow(ds, "student_pendingnamechange", { user_id: user.id, new_name: `${name} Byron`, rationale: "married" });
  await insertLmsRow(ds, "student_pendingemailchange", { user_id: user.id, new_email: `new.${user.email}`, activation_key: hex32() });
  await insertLmsRow(ds, "student_pendingsecondaryemailchange", { user_id: user.id, new_secondary_email: `second.${user.email}`, activation_key: hex32() });
  await insertLmsRow(ds, "auth_accountrecovery", { user_id: user.id, secondary_email: `recovery.${user.email}`, is_active: 1 });
  await insertLmsRow(ds, "user_api_userorgtag", { user_id: user.id, key: "email-optin", org: "OrgX", value: "True" });
  await insertLmsRow(ds, "student_sociallink", { user_profile_id: profileId, platform: "twitter", social_link: `https://twitter.com/${user.username}` });
  await insertLmsRow(ds, "student_courseenrollmentallowed", { email: user.email, course_id: `course-v1:OrgX+Invite${user.id}+2026`, auto_enroll: 1 });
  const cohort = await insertLmsRow(ds, "course_groups_courseusergroup", { name: `Cohort ${user.id}`, course_id: courseIds[0], group_type: "cohort" });
  await insertLmsRow(ds, "course_groups_unregisteredlearnercohortassignments", { email: user.email, course_id: courseIds[0], course_user_group_id: cohort });

  const certificateIds: number[] = [];
  const pdfKeys: string[] = [];
  if (opts.pdf) {
    const { certificate, keys } = await insertPdfCertificate(ds, h.bucket!.name, { userId: user.id, courseId: courseIds[0], name });
    await h.bucket!.put(keys);
    certificateIds.push(certificate.id);
    pdfKeys.push(...keys);
  }
  const now = new Date();
  const certificate = { user_id: user.id, course_id: courseIds[1], status: "downloadable", name, created_date: now, modified_date: now };
  const certId = await insertLmsRow(ds, "certificates_generatedcertificate", certificate);
  certificateIds.push(certId);
  await insertLmsRow(ds, "certificates_historicalgeneratedcertificate", { id: certId, ...certificate, history_date: now, history_type: "+" });
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
