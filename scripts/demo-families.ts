/**
 * The generation, retirement and console parts of `npm run demo` (scripts/demo-data.ts seeds the PDF purge):
 *   seed-generation   a demo course run with four enrolled learners (three passing, one not)
 *   delete-graduate   deletes the fourth learner's account after its generation was enqueued (as an LMS admin
 *                     removing a spam account would): its job then fails for good, a failed generation task
 *   seed-retirement   three demo learners to retire (the CLI then requests and retires them); the third holds a
 *                     legacy PDF certificate whose link points outside the bucket, so its retirement ends ERRORED
 *   seed-console      console users in the demo database only: an admin (superuser + staff) and a read-only staff
 *                     user, both with known passwords; a stored purge configuration (--all --dry-run)
 *   report            certificates of the demo course and the retirement states
 * Config comes from the usual environment variables. Learners' names and emails are printed only for these fake
 * demo rows, to show that retirement replaced them.
 */
import "../src/cli/quiet-warnings";
import { loadConfig } from "../src/config";
import { openDataSource } from "../src/db/data-source";
import { randomBytes } from "node:crypto";
import { GeneratedCertificate } from "../src/entities/lms";
import { makeDjangoPassword } from "../src/services/auth/django-password";
import { describeS3Error, isS3ServiceError } from "../src/storage/s3-error";
import { insertLmsRow } from "../test/support/lms-seed";

export const DEMO_COURSE = "course-v1:DemoX+Gen301+2026";
export const DEMO_ADMIN = { username: "demo_admin", password: "demo-admin-password" };
export const DEMO_VIEWER = { username: "demo_viewer", password: "demo-viewer-password" };

async function main(mode: string): Promise<void> {
  const config = loadConfig(process.env);
  const ds = await openDataSource({ databaseUrl: config.databaseUrl });
  try {
    if (mode === "seed-generation") {
      await insertLmsRow(ds, "course_overviews_courseoverview", { id: DEMO_COURSE, org: "DemoX", display_name: "Demo course: certificates", cert_html_view_enabled: 1 });
      const ids: number[] = [];
      for (const [i, percent, passed] of [[1, 0.91, true], [2, 0.78, true], [3, 0.42, false], [4, 0.88, true]] as const) {
        const id = await insertLmsRow(ds, "auth_user", { password: "!", username: `demo_graduate_${i}`, first_name: "Demo", last_name: `Graduate ${i}`, email: `graduate${i}@example.com` });
        ids.push(id);
        await insertLmsRow(ds, "auth_userprofile", { user_id: id, name: `Demo Graduate ${i}` });
        await insertLmsRow(ds, "student_courseenrollment", { user_id: id, course_id: DEMO_COURSE, mode: "verified", is_active: 1 });
        await insertLmsRow(ds, "grades_persistentcoursegrade", { user_id: id, course_id: DEMO_COURSE, percent_grade: percent, letter_grade: passed ? "Pass" : "", passed_timestamp: passed ? new Date() : null });
      }
      console.log(`Seeded course ${DEMO_COURSE} with 4 enrolled learners (ids ${ids.join(", ")}): three passing, one failing.`);
    } else if (mode === "delete-graduate") {
      const [user] = await ds.query("SELECT id FROM auth_user WHERE username = 'demo_graduate_4'");
      for (const table of ["grades_persistentcoursegrade", "student_courseenrollment", "auth_userprofile"]) await ds.query(`DELETE FROM ${table} WHERE user_id = ?`, [user.id]);
      await ds.query("DELETE FROM auth_user WHERE id = ?", [user.id]);
      console.log(`Deleted user ${user.id}'s account after its certificate was enqueued: the worker will not find it.`);
    } else if (mode === "seed-retirement") {
      const ids: number[] = [];
      for (const i of [1, 2, 3]) {
        const id = await insertLmsRow(ds, "auth_user", { password: "pbkdf2_sha256$1$x$x", username: `demo_leaver_${i}`, first_name: "Leaving", last_name: `Learner ${i}`, email: `leaver${i}@example.com` });
        ids.push(id);
        await insertLmsRow(ds, "auth_userprofile", { user_id: id, name: `Leaving Learner ${i}` });
        await insertLmsRow(ds, "student_courseenrollment", { user_id: id, course_id: DEMO_COURSE, mode: "audit", is_active: 1 });
      }
      // The third leaver's old PDF certificate links outside CERTIFICATES_DOWNLOAD_URL_BASES: retire_lms refuses to
      // purge it (nothing deleted), so that learner ends ERRORED, for the console's rewind.
      const hex = () => randomBytes(16).toString("hex");
      await ds.getRepository(GeneratedCertificate).save({
        userId: ids[2], courseId: "course-v1:DemoX+PDF101+2015_T9", status: "downloadable", mode: "honor", grade: "0.9", name: "Leaving Learner 3",
        createdDate: new Date("2015-06-01T00:00:00Z"), modifiedDate: new Date("2015-06-01T00:00:00Z"), verifyUuid: hex(), downloadUuid: hex(), key: hex(),
        errorReason: "", distinction: false, downloadUrl: `https://attacker.example.com/downloads/${hex()}/Certificate.pdf`,
      });
      console.error(`Seeded 3 learners to retire (ids ${ids.join(", ")}), enrolled in ${DEMO_COURSE}; user ${ids[2]} holds a PDF certificate with a hostile link.`);
      process.stdout.write(ids.join(","));
    } else if (mode === "seed-console") {
      const users: Array<[typeof DEMO_ADMIN, boolean]> = [[DEMO_ADMIN, true], [DEMO_VIEWER, false]];
      for (const [account, superuser] of users) {
        const encoded = await makeDjangoPassword(account.password);
        await insertLmsRow(ds, "auth_user", { password: encoded, username: account.username, email: `${account.username}@example.com`, is_staff: 1, is_superuser: superuser, is_active: 1 });
      }
      const [admin] = await ds.query("SELECT id FROM auth_user WHERE username = ?", [DEMO_ADMIN.username]);
      // What Run now would do for the stored purge arguments: a dry run, which the console shows with its refusals.
      await ds.query(
        "INSERT INTO certificates_purgereferencestopdfcertificatescommandconfigur95fa (change_date, enabled, arguments, changed_by_id) VALUES (UTC_TIMESTAMP(6), 1, '--all --dry-run', ?)",
        [admin.id],
      );
      console.error(`Created console users ${DEMO_ADMIN.username} (admin: superuser, staff) and ${DEMO_VIEWER.username} (read-only staff), and a stored purge configuration (--all --dry-run), in this demo database only.`);
      process.stdout.write(String(admin.id));
    } else {
      const certs = await ds.query("SELECT user_id, status, mode, grade FROM certificates_generatedcertificate WHERE course_id = ? ORDER BY user_id", [DEMO_COURSE]);
      console.log(`certificates of ${DEMO_COURSE}:`);
      console.log("  user  status        mode      grade");
      for (const c of certs) console.log(`  ${String(c.user_id).padEnd(5)} ${String(c.status).padEnd(13)} ${String(c.mode).padEnd(9)} ${c.grade}`);
      const learners = await ds.query(
        `SELECT s.user_id, r.state_name, u.username, u.email, u.is_active
           FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id
           JOIN auth_user u ON u.id = s.user_id ORDER BY s.user_id`,
      );
      console.log("\nretirement (user_api_userretirementstatus, and what auth_user now holds):");
      console.log("  user  state          auth_user.username / email / is_active");
      for (const l of learners) console.log(`  ${String(l.user_id).padEnd(5)} ${String(l.state_name).padEnd(14)} ${l.username} / ${l.email || "''"} / ${l.is_active}`);
    }
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  main(process.argv[2] ?? "report").catch((err) => {
    console.error(isS3ServiceError(err) ? `S3 refused the request: ${describeS3Error(err)}` : err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
