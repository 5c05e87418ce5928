/**
 * The generation, retirement and console parts of `npm run demo` (scripts/demo-data.ts seeds the PDF purge):
 *   seed-generation   a demo course run with three enrolled learners (two passing, one not)
 *   seed-retirement   two demo learners to retire (the CLI then requests and retires them)
 *   seed-admin        a console admin (superuser + staff) with a known password, in the demo database only
 *   report            certificates of the demo course and the retirement states
 * Config comes from the usual environment variables. Learners' names and emails are printed only for these fake
 * demo rows, to show that retirement replaced them.
 */
import "../src/cli/quiet-warnings";
import { loadConfig } from "../src/config";
import { openDataSource } from "../src/db/data-source";
import { makeDjangoPassword } from "../src/services/auth/django-password";

export const DEMO_COURSE = "course-v1:DemoX+Gen301+2026";
export const DEMO_ADMIN = { username: "demo_admin", password: "demo-admin-password" };

async function main(mode: string): Promise<void> {
  const config = loadConfig(process.env);
  const ds = await openDataSource({ databaseUrl: config.databaseUrl });
  try {
    if (mode === "seed-generation") {
      await ds.query("INSERT INTO course_overviews_courseoverview (id, org, display_name, cert_html_view_enabled) VALUES (?, 'DemoX', 'Demo course: certificates', 1)", [DEMO_COURSE]);
      const ids: number[] = [];
      for (const [i, percent, passed] of [[1, 0.91, true], [2, 0.78, true], [3, 0.42, false]] as const) {
        const user = await ds.query("INSERT INTO auth_user (password, username, first_name, last_name, email) VALUES ('!', ?, 'Demo', ?, ?)", [`demo_graduate_${i}`, `Graduate ${i}`, `graduate${i}@example.com`]);
        const id = Number(user.insertId);
        ids.push(id);
        await ds.query("INSERT INTO auth_userprofile (user_id, name) VALUES (?, ?)", [id, `Demo Graduate ${i}`]);
        await ds.query("INSERT INTO student_courseenrollment (user_id, course_id, mode, is_active) VALUES (?, ?, 'verified', 1)", [id, DEMO_COURSE]);
        await ds.query("INSERT INTO grades_persistentcoursegrade (user_id, course_id, percent_grade, letter_grade, passed_timestamp) VALUES (?, ?, ?, ?, ?)", [id, DEMO_COURSE, percent, passed ? "Pass" : "", passed ? new Date() : null]);
      }
      console.log(`Seeded course ${DEMO_COURSE} with 3 enrolled learners (ids ${ids.join(", ")}): two passing, one failing.`);
    } else if (mode === "seed-retirement") {
      const ids: number[] = [];
      for (const i of [1, 2]) {
        const user = await ds.query("INSERT INTO auth_user (password, username, first_name, last_name, email) VALUES ('pbkdf2_sha256$1$x$x', ?, 'Leaving', ?, ?)", [`demo_leaver_${i}`, `Learner ${i}`, `leaver${i}@example.com`]);
        const id = Number(user.insertId);
        ids.push(id);
        await ds.query("INSERT INTO auth_userprofile (user_id, name) VALUES (?, ?)", [id, `Leaving Learner ${i}`]);
        await ds.query("INSERT INTO student_courseenrollment (user_id, course_id, mode, is_active) VALUES (?, ?, 'audit', 1)", [id, DEMO_COURSE]);
      }
      console.error(`Seeded 2 learners to retire (ids ${ids.join(", ")}), enrolled in ${DEMO_COURSE}.`);
      process.stdout.write(ids.join(","));
    } else if (mode === "seed-admin") {
      const encoded = await makeDjangoPassword(DEMO_ADMIN.password);
      await ds.query("INSERT INTO auth_user (password, username, email, is_staff, is_superuser, is_active) VALUES (?, ?, 'demo-admin@example.com', 1, 1, 1)", [encoded, DEMO_ADMIN.username]);
      console.log(`Created console admin ${DEMO_ADMIN.username} (superuser, staff) in this demo database only.`);
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
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
