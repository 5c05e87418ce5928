import { hex32 } from "../../test/support/fixtures";
import { runCliInProcess } from "../../test/support/cli";
import type { Harness } from "../../test/support/harness";
import { RetirementRequester } from "../../src/services/retirement/retirement-requests";
import { insertRows, insertUsers } from "../support/bulk-sql";
import { chunks, inParallel } from "../support/measure";

/**
 * `count` learners with a row in every table the default pipeline touches (the same shape as the retirement
 * tests' learner: profile, social link, 3 enrollments, enrollment audit, pending name/email/secondary-email
 * changes, recovery email, org tag, enrollment-allowed and cohort rows, a web certificate with history), then
 * populate-retirement-states and the LMS's retirement request for each, made 8 days ago. No PDF certificates:
 * the purge has its own figure. Returns the user ids.
 */
export async function seedRetirementLearners(h: Harness, count: number, tag: string): Promise<number[]> {
  const ds = h.ds;
  const userIds = await insertUsers(ds, Array.from({ length: count }, (_, i) => `${tag}r${i}`));
  const email = (i: number) => `bench_${tag}r${i}@example.com`;
  const course = (u: number, org: string) => `course-v1:${org}+R${u}+2026`;
  await insertRows(ds, "auth_userprofile", ["user_id", "name", "meta", "location", "year_of_birth", "gender", "mailing_address", "city", "country", "bio", "phone_number", "goals"],
    userIds.map((u) => [u, `Ada Lovelace ${u}`, '{"k":"v"}', "Somewhere", 1815, "f", "12 St James Sq", "London", "GB", "Mathematician", "+44 20 0000", "engines"]));
  await insertRows(ds, "student_courseenrollment", ["user_id", "course_id", "mode", "is_active"],
    userIds.flatMap((u) => [[u, course(u, "OrgX"), "verified", 1], [u, course(u, "OrgY"), "verified", 1], [u, `course-v1:OrgZ+Old${u}+2020`, "audit", 0]]));
  await ds.query(
    `INSERT INTO student_manualenrollmentaudit (enrolled_email, state_transition, reason, enrollment_id)
     SELECT u.email, 'from unenrolled to enrolled', 'paid by invoice', e.id
       FROM student_courseenrollment e JOIN auth_user u ON u.id = e.user_id WHERE e.user_id IN (?) AND e.course_id LIKE 'course-v1:OrgX+R%'`,
    [userIds],
  );
  await insertRows(ds, "student_pendingnamechange", ["user_id", "new_name", "rationale"], userIds.map((u) => [u, `Ada Byron ${u}`, "married"]));
  await insertRows(ds, "student_pendingemailchange", ["user_id", "new_email", "activation_key"], userIds.map((u, i) => [u, `new.${email(i)}`, hex32()]));
  await insertRows(ds, "student_pendingsecondaryemailchange", ["user_id", "new_secondary_email", "activation_key"], userIds.map((u, i) => [u, `second.${email(i)}`, hex32()]));
  await insertRows(ds, "auth_accountrecovery", ["user_id", "secondary_email", "is_active"], userIds.map((u, i) => [u, `recovery.${email(i)}`, 1]));
  await insertRows(ds, "user_api_userorgtag", ["user_id", "key", "org", "value"], userIds.map((u) => [u, "email-optin", "OrgX", "True"]));
  await ds.query(
    `INSERT INTO student_sociallink (user_profile_id, platform, social_link)
     SELECT p.id, 'twitter', CONCAT('https://twitter.com/bench', p.user_id) FROM auth_userprofile p WHERE p.user_id IN (?)`,
    [userIds],
  );
  await insertRows(ds, "student_courseenrollmentallowed", ["email", "course_id", "auto_enroll"], userIds.map((u, i) => [email(i), course(u, "OrgInvite"), 1]));
  await insertRows(ds, "course_groups_courseusergroup", ["name", "course_id", "group_type"], userIds.map((u) => [`Cohort ${u}`, course(u, "OrgX"), "cohort"]));
  await ds.query(
    `INSERT INTO course_groups_unregisteredlearnercohortassignments (email, course_id, course_user_group_id)
     SELECT u.email, g.course_id, g.id FROM course_groups_courseusergroup g JOIN auth_user u ON g.name = CONCAT('Cohort ', u.id) WHERE u.id IN (?)`,
    [userIds],
  );
  await insertRows(ds, "certificates_generatedcertificate", ["user_id", "course_id", "status", "name", "created_date", "modified_date"],
    userIds.map((u) => [u, course(u, "OrgY"), "downloadable", `Ada Lovelace ${u}`, new Date(), new Date()]));
  await ds.query(
    `INSERT INTO certificates_historicalgeneratedcertificate (id, user_id, course_id, verify_uuid, download_uuid, download_url, grade, \`key\`, distinction, status, mode, name, created_date, modified_date, error_reason, history_date, history_type)
     SELECT id, user_id, course_id, verify_uuid, download_uuid, download_url, grade, \`key\`, distinction, status, mode, name, created_date, modified_date, error_reason, UTC_TIMESTAMP(6), '+'
       FROM certificates_generatedcertificate WHERE user_id IN (?)`,
    [userIds],
  );

  const populate = await runCliInProcess(["populate-retirement-states"], h.env());
  if (populate.code !== 0) throw new Error(`populate-retirement-states failed: ${populate.err}`);
  const requester = new RetirementRequester(ds, h.config().retirement);
  for (const chunk of chunks(userIds, 1000)) await inParallel(chunk, 16, (u) => requester.byUserId(u));
  await ds.query("UPDATE user_api_userretirementstatus SET created = UTC_TIMESTAMP(6) - INTERVAL 8 DAY WHERE user_id IN (?)", [userIds]);
  return userIds;
}
