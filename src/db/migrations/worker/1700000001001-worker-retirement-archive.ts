import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * One row per archive object `archive-retirements` writes: its key and bucket and the status rows (ids only, no PII)
 * it holds. The row is written before the upload and marked cleaned in the transaction that redacts and deletes the
 * status rows, so a run that crashed between upload and delete re-uploads the same object name and deletes once.
 */
export class WorkerRetirementArchive1700000001001 implements MigrationInterface {
  name = "WorkerRetirementArchive1700000001001";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS openedx_workers_retirement_archive (
      id bigint unsigned NOT NULL AUTO_INCREMENT,
      created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      bucket varchar(63) NOT NULL,
      object_key varchar(255) NOT NULL,
      status_ids longtext NOT NULL,
      user_ids longtext NOT NULL,
      uploaded_at datetime(6) NULL,
      cleaned_at datetime(6) NULL,
      rows_deleted int NULL,
      PRIMARY KEY (id),
      UNIQUE KEY openedx_workers_retirement_archive_key (object_key),
      KEY openedx_workers_retirement_archive_pending (cleaned_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DROP TABLE IF EXISTS openedx_workers_retirement_archive");
  }
}
