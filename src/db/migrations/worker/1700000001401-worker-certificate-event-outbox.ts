import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The transactional outbox of certificate events: a row is written in the same transaction as the certificate
 * change it reports, and deleted only after the event is on the bus. It holds ids and the certificate's non-PII
 * state as of the change (status, mode, grade); the learner's username, email and names are read when the event
 * is published, so the table never holds PII.
 */
export class WorkerCertificateEventOutbox1700000001401 implements MigrationInterface {
  name = "WorkerCertificateEventOutbox1700000001401";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS openedx_workers_certificate_event_outbox (
      id bigint unsigned NOT NULL AUTO_INCREMENT,
      event_id char(36) NOT NULL,
      event_type varchar(255) NOT NULL,
      certificate_id int NOT NULL,
      user_id int NOT NULL,
      course_id varchar(255) NOT NULL,
      mode varchar(32) NOT NULL,
      grade varchar(5) NOT NULL,
      status varchar(32) NOT NULL,
      occurred_at datetime(6) NOT NULL,
      PRIMARY KEY (id),
      KEY openedx_workers_certificate_event_outbox_certificate_id (certificate_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS openedx_workers_certificate_event_outbox`);
  }
}
