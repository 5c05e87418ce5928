import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** Columns of edx-platform's ConfigurationModel with an `arguments` text: the newest row (by change_date) wins. */
abstract class ArgumentsConfigurationModel {
  @PrimaryGeneratedColumn({ type: "int" }) id!: number;
  @Column({ type: "datetime", precision: 6, name: "change_date" }) changeDate!: Date;
  @Column({ type: "int", name: "changed_by_id", nullable: true }) changedById!: number | null;
  @Column({ type: "boolean", default: false }) enabled!: boolean;
  @Column({ type: "longtext", default: "" }) arguments!: string;
}

/**
 * Django's default table name, certificates_purgereferencestopdfcertificatescommandconfiguration, is 65 characters;
 * on MySQL Django's truncate_name() cuts it to 60 plus a 4-hex md5 digest, which is what a real LMS database has.
 */
@Entity({ name: "certificates_purgereferencestopdfcertificatescommandconfigur95fa" })
export class PurgeReferencesToPdfCertificatesCommandConfiguration extends ArgumentsConfigurationModel {
  static readonly modelName = "PurgeReferencestoPDFCertificatesCommandConfiguration";
}

@Entity({ name: "certificates_certificategenerationcommandconfiguration" })
export class CertificateGenerationCommandConfiguration extends ArgumentsConfigurationModel {
  static readonly modelName = "CertificateGenerationCommandConfiguration";
}
