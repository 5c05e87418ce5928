import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Jobs that failed for good, like celery_utils' FailedTask (LoggedPersistOnFailureTask) that upstream's
 * generate_certificate task writes: task name, task (job) id, arguments, error, and when it was resolved.
 * `reapply-failed-generation` re-enqueues the unresolved rows, as upstream's reapply_tasks does.
 */
export class WorkerFailedTask1700000000401 implements MigrationInterface {
  name = "WorkerFailedTask1700000000401";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE IF NOT EXISTS openedx_workers_failed_task (
      id bigint unsigned NOT NULL AUTO_INCREMENT,
      created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      modified datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      queue varchar(100) NOT NULL,
      task_name varchar(255) NOT NULL,
      task_id varchar(255) NOT NULL,
      args longtext NOT NULL,
      kwargs longtext NOT NULL,
      exc varchar(255) NOT NULL,
      attempts_made int NOT NULL DEFAULT 0,
      datetime_resolved datetime(6) NULL,
      PRIMARY KEY (id),
      KEY openedx_workers_failed_task_task_id (task_id),
      KEY openedx_workers_failed_task_name_exc (task_name, exc),
      KEY openedx_workers_failed_task_unresolved (datetime_resolved, task_name)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS openedx_workers_failed_task`);
  }
}
