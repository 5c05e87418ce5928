import { DeleteObjectsCommand } from "@aws-sdk/client-s3";
import { Queue, Worker, type ConnectionOptions } from "bullmq";
import { defaultJobOptions } from "../src/queues/job-options";
import { createRedisClient, redisSettings } from "../src/queues/redis-connections";
import type { Harness } from "../test/support/harness";
import { putObjects } from "./seed/purge.seed";
import { seedGenerationCourse } from "./seed/generation.seed";
import { seedRetirementLearners } from "./seed/retirement.seed";
import { chunks, perSecond, queueTimings, since, waitUntilDrained } from "./support/measure";

export interface BullmqCeiling {
  enqueuePerSec: number;
  processedPerSec: number;
}

/**
 * No-op jobs through the same Redis with the worker's settings: addBulk in chunks of 1,000 (as QueueSet does), then
 * one Worker with the worker's connection options and concurrency whose processor does nothing.
 */
export async function bullmqCeiling(h: Harness, count: number, concurrency: number): Promise<BullmqCeiling> {
  const config = h.config();
  const connection = createRedisClient(redisSettings(config), "cli");
  const queue = new Queue("bench-noop", { connection, prefix: h.prefix, defaultJobOptions: defaultJobOptions(config) });
  const workerConnection = createRedisClient(redisSettings(config), "worker", { lazyConnect: true });
  try {
    let t = performance.now();
    for (const ids of chunks(Array.from({ length: count }, (_, i) => i), 1000)) {
      await queue.addBulk(ids.map((i) => ({ name: "noop", data: { id: i }, opts: { jobId: `noop.${i}` } })));
    }
    const enqueueMs = since(t);
    const start = Date.now();
    const worker = new Worker("bench-noop", async () => ({ status: "done" }), {
      connection: workerConnection as ConnectionOptions,
      prefix: h.prefix,
      concurrency,
    });
    await waitUntilDrained(queue, 600_000);
    await worker.close();
    const timings = await queueTimings(queue);
    return { enqueuePerSec: perSecond(count, enqueueMs), processedPerSec: perSecond(count, timings.lastFinishedOn - start) };
  } finally {
    await queue.close();
    connection.disconnect();
    workerConnection.disconnect();
  }
}

/** DeleteObjects of count×4 objects, 1,000 keys per call, one call after the other. Returns certificates/s (objects/s ÷ 4). */
export async function s3DeleteCeiling(h: Harness, count: number): Promise<{ objectsPerSec: number; certificatesPerSec: number }> {
  const keys = Array.from({ length: count * 4 }, (_, i) => `ceiling/${String(i).padStart(7, "0")}/Certificate.pdf`);
  await putObjects(h, keys);
  const t = performance.now();
  for (const batch of chunks(keys, 1000)) {
    const result = await h.bucket!.s3.send(new DeleteObjectsCommand({ Bucket: h.bucket!.name, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
    if (result.Errors?.length) throw new Error(`ceiling DeleteObjects reported ${result.Errors.length} errors`);
  }
  const ms = since(t);
  return { objectsPerSec: perSecond(keys.length, ms), certificatesPerSec: perSecond(count, ms) };
}

/**
 * The floor of a generation's database work, issued in bulk per 1,000 learners: one set-based read of every fact
 * the rules look at, one multi-row upsert of the certificates, one INSERT … SELECT of their history rows.
 */
export async function generationSqlFloor(h: Harness, count: number, tag: string): Promise<number> {
  const { courseKey, userIds } = await seedGenerationCourse(h, count, tag);
  const t = performance.now();
  for (const ids of chunks(userIds, 1000)) {
    await h.ds.query(
      `SELECT u.id, e.mode, e.is_active, g.percent_grade, g.letter_grade, c.id AS certificateId, c.status, c.mode AS certificateMode,
              (a.id IS NOT NULL) AS allowlisted, (i.id IS NOT NULL) AS invalidated, (r.id IS NOT NULL) AS betaTester, (v.id IS NOT NULL) AS verified
         FROM auth_user u
         LEFT JOIN student_courseenrollment e ON e.user_id = u.id AND e.course_id = ?
         LEFT JOIN grades_persistentcoursegrade g ON g.user_id = u.id AND g.course_id = ?
         LEFT JOIN certificates_generatedcertificate c ON c.user_id = u.id AND c.course_id = ?
         LEFT JOIN certificates_certificateallowlist a ON a.user_id = u.id AND a.course_id = ? AND a.allowlist = 1
         LEFT JOIN certificates_certificateinvalidation i ON i.generated_certificate_id = c.id AND i.active = 1
         LEFT JOIN student_courseaccessrole r ON r.user_id = u.id AND r.course_id = ? AND r.role = 'beta_testers'
         LEFT JOIN verify_student_manualverification v ON v.user_id = u.id AND v.status = 'approved'
        WHERE u.id IN (?)`,
      [courseKey, courseKey, courseKey, courseKey, courseKey, ids],
    );
    await h.ds.transaction(async (m) => {
      const now = new Date();
      await m.query(
        `INSERT INTO certificates_generatedcertificate (user_id, course_id, verify_uuid, download_uuid, download_url, grade, \`key\`, distinction, status, mode, name, created_date, modified_date, error_reason)
         VALUES ? ON DUPLICATE KEY UPDATE status = VALUES(status), grade = VALUES(grade), modified_date = VALUES(modified_date)`,
        [ids.map((u) => [u, courseKey, "0".repeat(32), "", "", "0.87", "", 0, "downloadable", "verified", "", now, now, ""])],
      );
      await m.query(
        `INSERT INTO certificates_historicalgeneratedcertificate (id, course_id, verify_uuid, download_uuid, download_url, grade, \`key\`, distinction, status, mode, name, created_date, modified_date, error_reason, user_id, history_date, history_type)
         SELECT id, course_id, verify_uuid, download_uuid, download_url, grade, \`key\`, distinction, status, mode, name, created_date, modified_date, error_reason, user_id, ?, '~'
           FROM certificates_generatedcertificate WHERE course_id = ? AND user_id IN (?)`,
        [now, courseKey, ids],
      );
    });
  }
  return perSecond(count, since(t));
}

/**
 * The floor of the default retirement pipeline's database work, in bulk per 1,000 learners: each step's statements
 * with `IN (…)`, and each state move as one UPDATE of the status rows (start and end of every step, then COMPLETE),
 * one transaction per step.
 */
export async function retirementSqlFloor(h: Harness, count: number, tag: string): Promise<number> {
  const userIds = await seedRetirementLearners(h, count, tag);
  const states: Array<{ id: number; state_name: string }> = await h.ds.query("SELECT id, state_name FROM user_api_retirementstate");
  const state = (name: string) => states.find((s) => s.state_name === name)!.id;
  const t = performance.now();
  for (const ids of chunks(userIds, 1000)) {
    const move = (m: { query: (q: string, p: unknown[]) => Promise<unknown> }, from: string, to: string) =>
      m.query(
        `UPDATE user_api_userretirementstatus SET current_state_id = ?, last_state_id = ?, responses = CONCAT(responses, ?), modified = UTC_TIMESTAMP(6) WHERE user_id IN (?) AND current_state_id = ?`,
        [state(to), state(from), `\n Moved from ${from} to ${to}`, ids, state(from)],
      );
    const step = async (from: string, start: string, end: string, statements: Array<[string, unknown[]]>) => {
      await move(h.ds, from, start);
      await h.ds.transaction(async (m) => {
        await m.query("SELECT id FROM user_api_userretirementstatus WHERE user_id IN (?) FOR UPDATE", [ids]);
        for (const [sql, params] of statements) await m.query(sql, params);
        await move(m, start, end);
      });
    };
    await step("PENDING", "LOCKING_ACCOUNT", "LOCKING_COMPLETE", [["UPDATE auth_user SET password = '!unusable', is_active = 0 WHERE id IN (?)", [ids]]]);
    await step("LOCKING_COMPLETE", "RETIRING_EMAIL_LISTS", "EMAIL_LISTS_COMPLETE", [
      ["DELETE FROM student_pendingnamechange WHERE user_id IN (?)", [ids]],
      ["UPDATE student_manualenrollmentaudit a JOIN student_courseenrollment e ON e.id = a.enrollment_id SET a.enrolled_email = 'retired@retired.invalid', a.reason = '' WHERE e.user_id IN (?)", [ids]],
      ["UPDATE user_api_userorgtag SET value = 'False', modified = UTC_TIMESTAMP(6) WHERE user_id IN (?) AND `key` = 'email-optin'", [ids]],
    ]);
    await step("EMAIL_LISTS_COMPLETE", "RETIRING_ENROLLMENTS", "ENROLLMENTS_COMPLETE", [
      ["SELECT user_id, course_id FROM student_courseenrollment WHERE user_id IN (?) AND is_active = 1 FOR UPDATE", [ids]],
      ["UPDATE student_courseenrollment SET is_active = 0 WHERE user_id IN (?) AND is_active = 1", [ids]],
    ]);
    await step("ENROLLMENTS_COMPLETE", "RETIRING_LMS", "LMS_COMPLETE", [
      ["SELECT id FROM certificates_generatedcertificate WHERE user_id IN (?) AND (download_url <> '' OR download_uuid <> '')", [ids]],
      ["UPDATE auth_userprofile SET name = '', meta = '', location = '', year_of_birth = NULL, gender = NULL, mailing_address = NULL, city = NULL, country = NULL, bio = NULL, phone_number = NULL, profile_image_uploaded_at = NULL WHERE user_id IN (?)", [ids]],
      ["DELETE sl FROM student_sociallink sl JOIN auth_userprofile p ON p.id = sl.user_profile_id WHERE p.user_id IN (?)", [ids]],
      ["UPDATE certificates_generatedcertificate SET name = '' WHERE user_id IN (?) AND name <> ''", [ids]],
      ["UPDATE certificates_historicalgeneratedcertificate SET name = '' WHERE user_id IN (?) AND name <> ''", [ids]],
      ["DELETE FROM student_pendingemailchange WHERE user_id IN (?)", [ids]],
      ["DELETE FROM user_api_userorgtag WHERE user_id IN (?)", [ids]],
      ["UPDATE student_pendingsecondaryemailchange SET new_secondary_email = 'redacted' WHERE user_id IN (?)", [ids]],
      ["DELETE FROM student_pendingsecondaryemailchange WHERE user_id IN (?)", [ids]],
      ["UPDATE auth_accountrecovery SET secondary_email = 'retired@retired.invalid', is_active = 0 WHERE user_id IN (?)", [ids]],
      ["DELETE FROM auth_accountrecovery WHERE user_id IN (?)", [ids]],
      ["DELETE a FROM student_courseenrollmentallowed a JOIN user_api_userretirementstatus s ON s.original_email = a.email WHERE s.user_id IN (?)", [ids]],
      ["DELETE a FROM course_groups_unregisteredlearnercohortassignments a JOIN user_api_userretirementstatus s ON s.original_email = a.email WHERE s.user_id IN (?)", [ids]],
      ["UPDATE auth_user u JOIN user_api_userretirementstatus s ON s.user_id = u.id SET u.first_name = '', u.last_name = '', u.is_active = 0, u.username = s.retired_username, u.email = s.retired_email WHERE u.id IN (?)", [ids]],
    ]);
    await move(h.ds, "LMS_COMPLETE", "COMPLETE");
  }
  return perSecond(count, since(t));
}
