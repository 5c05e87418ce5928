import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** `certificates_certificatedateoverride`: at most one per certificate; the date shown instead of every other date. */
@Entity({ name: "certificates_certificatedateoverride" })
export class CertificateDateOverride {
  @PrimaryGeneratedColumn({ type: "int" }) id!: number;
  @Column({ type: "datetime", precision: 6 }) created!: Date;
  @Column({ type: "datetime", precision: 6 }) modified!: Date;
  @Column({ type: "datetime", precision: 6 }) date!: Date;
  @Column({ type: "longtext" }) reason!: string;
  @Column({ type: "int", name: "generated_certificate_id", unique: true }) generatedCertificateId!: number;
  /** Always the acting user (upstream's admin sets it to request.user on every save). */
  @Column({ type: "int", name: "overridden_by_id" }) overriddenById!: number;
}
