import type { MigrationInterface, QueryRunner } from "typeorm";

/** The worker's own tables live beside the LMS's under an `openedx_workers_` prefix, never in LMS tables. */
export class WorkerPurgeAudit1700000000001 implements MigrationInterface {
  name = "WorkerPurgeAudit1700000000001";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS openedx_workers_pdf_certificate_purge (
      id bigint unsigned NOT NULL AUTO_INCREMENT,
      certificate_id int NOT NULL,
      user_id int NOT NULL,
      bucket varchar(63) NOT NULL,
      deleted_keys longtext NOT NULL,
      job_id varchar(255) NOT NULL,
      purged_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      PRIMARY KEY (id),
      KEY openedx_workers_pdf_certificate_purge_certificate_id (certificate_id),
      KEY openedx_workers_pdf_certificate_purge_user_id (user_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS openedx_workers_pdf_certificate_purge`);
  }
}
