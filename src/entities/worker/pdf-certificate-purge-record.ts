import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** Audit trail of completed PDF purges: which objects were deleted for which certificate, by which job. */
@Entity({ name: "openedx_workers_pdf_certificate_purge" })
export class PdfCertificatePurgeRecord {
  @PrimaryGeneratedColumn({ type: "bigint", unsigned: true }) id!: string;
  @Column({ type: "int", name: "certificate_id" }) certificateId!: number;
  @Column({ type: "int", name: "user_id" }) userId!: number;
  @Column({ type: "varchar", length: 63 }) bucket!: string;
  @Column({ type: "simple-json", name: "deleted_keys" }) deletedKeys!: string[];
  @Column({ type: "varchar", length: 255, name: "job_id" }) jobId!: string;
  @Column({ type: "datetime", precision: 6, name: "purged_at" }) purgedAt!: Date;
}
