import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** A job that failed for good, like celery_utils' FailedTask; unresolved while datetime_resolved is null. */
@Entity({ name: "openedx_workers_failed_task" })
export class FailedTask {
  @PrimaryGeneratedColumn({ type: "bigint", unsigned: true }) id!: string;
  @Column({ type: "datetime", precision: 6 }) created!: Date;
  @Column({ type: "datetime", precision: 6 }) modified!: Date;
  @Column({ type: "varchar", length: 100 }) queue!: string;
  @Column({ type: "varchar", length: 255, name: "task_name" }) taskName!: string;
  /** The BullMQ job id. */
  @Column({ type: "varchar", length: 255, name: "task_id" }) taskId!: string;
  /** JSON array; jobs take no positional arguments, so "[]". */
  @Column({ type: "longtext" }) args!: string;
  /** JSON of the job's payload (ids only). */
  @Column({ type: "longtext" }) kwargs!: string;
  @Column({ type: "varchar", length: 255 }) exc!: string;
  @Column({ type: "int", name: "attempts_made" }) attemptsMade!: number;
  @Column({ type: "datetime", precision: 6, name: "datetime_resolved", nullable: true }) datetimeResolved!: Date | null;
}
