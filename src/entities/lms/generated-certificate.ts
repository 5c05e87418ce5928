import { Column, Entity, PrimaryGeneratedColumn, Unique } from "typeorm";

/** `certificates_generatedcertificate`: one row per (user, course run); every writer upserts on that pair. */
@Entity({ name: "certificates_generatedcertificate" })
@Unique(["userId", "courseId"])
export class GeneratedCertificate {
  @PrimaryGeneratedColumn({ type: "int" }) id!: number;
  @Column({ type: "int", name: "user_id" }) userId!: number;
  @Column({ type: "varchar", length: 255, name: "course_id" }) courseId!: string;
  @Column({ type: "varchar", length: 32, name: "verify_uuid", default: "" }) verifyUuid!: string;
  @Column({ type: "varchar", length: 32, name: "download_uuid", default: "" }) downloadUuid!: string;
  @Column({ type: "varchar", length: 128, name: "download_url", default: "" }) downloadUrl!: string;
  @Column({ type: "varchar", length: 5, default: "" }) grade!: string;
  @Column({ type: "varchar", length: 32, default: "" }) key!: string;
  @Column({ type: "boolean", default: false }) distinction!: boolean;
  @Column({ type: "varchar", length: 32, default: "unavailable" }) status!: string;
  @Column({ type: "varchar", length: 32, default: "honor" }) mode!: string;
  /** The learner's name: PII, cleared at retirement. */
  @Column({ type: "varchar", length: 255, default: "" }) name!: string;
  @Column({ type: "datetime", precision: 6, name: "created_date" }) createdDate!: Date;
  @Column({ type: "datetime", precision: 6, name: "modified_date" }) modifiedDate!: Date;
  @Column({ type: "varchar", length: 512, name: "error_reason", default: "" }) errorReason!: string;
}
