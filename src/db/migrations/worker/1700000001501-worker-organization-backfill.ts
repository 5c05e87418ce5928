import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * One row per finished chunk of an organizations backfill, written in the same transaction as the chunk's rows:
 * it makes a chunk's effects happen once whatever the delivery (a second attempt finds the row and replays the
 * stored outcome), and it is where `backfill-organizations` reads the report of what each chunk did.
 * Rows older than 30 days are pruned when a backfill starts.
 */
export class WorkerOrganizationBackfill1700000001501 implements MigrationInterface {
  name = "WorkerOrganizationBackfill1700000001501";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS openedx_workers_organization_backfill_chunk (
      id bigint unsigned NOT NULL AUTO_INCREMENT,
      created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      backfill_id varchar(100) NOT NULL,
      chunk int NOT NULL,
      outcome longtext NULL,
      PRIMARY KEY (id),
      UNIQUE KEY openedx_workers_org_backfill_chunk_uniq (backfill_id, chunk),
      KEY openedx_workers_org_backfill_chunk_created (created)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS openedx_workers_organization_backfill_chunk`);
  }
}
