import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The course certificates whose change Credentials has yet to hear about: one row per (learner, course run),
 * written in the same transaction as the change (what COURSE_CERT_CHANGED → award_course_certificate does in the
 * LMS). `changes` counts the changes recorded; a send removes the row only if no change came meanwhile (compare
 * and set); `enqueued_changes` is the count a job was last enqueued for, `enqueued_at` when a job was last
 * enqueued or found present. Ids only: the username is read when the request is sent.
 */
export class WorkerCredentialsOutbox1700000002401 implements MigrationInterface {
  name = "WorkerCredentialsOutbox1700000002401";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS openedx_workers_credentials_outbox (
      user_id int NOT NULL,
      course_id varchar(255) NOT NULL,
      changes int unsigned NOT NULL,
      enqueued_changes int unsigned NULL,
      enqueued_at datetime(6) NULL,
      first_changed_at datetime(6) NOT NULL,
      last_changed_at datetime(6) NOT NULL,
      PRIMARY KEY (user_id, course_id),
      KEY openedx_workers_credentials_outbox_last_changed_at (last_changed_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS openedx_workers_credentials_outbox`);
  }
}
