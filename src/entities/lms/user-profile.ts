import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** `auth_userprofile` (student.UserProfile). Every text column here is PII. */
@Entity({ name: "auth_userprofile" })
export class UserProfile {
  @PrimaryGeneratedColumn({ type: "int" }) id!: number;
  @Column({ type: "int", name: "user_id", unique: true }) userId!: number;
  @Column({ type: "varchar", length: 255 }) name!: string;
  @Column({ type: "longtext" }) meta!: string;
  @Column({ type: "varchar", length: 255 }) courseware!: string;
  @Column({ type: "varchar", length: 255 }) language!: string;
  @Column({ type: "varchar", length: 255 }) location!: string;
  @Column({ type: "int", name: "year_of_birth", nullable: true }) yearOfBirth!: number | null;
  @Column({ type: "varchar", length: 6, nullable: true }) gender!: string | null;
  @Column({ type: "varchar", length: 6, name: "level_of_education", nullable: true }) levelOfEducation!: string | null;
  @Column({ type: "longtext", name: "mailing_address", nullable: true }) mailingAddress!: string | null;
  @Column({ type: "longtext", nullable: true }) city!: string | null;
  @Column({ type: "varchar", length: 2, nullable: true }) country!: string | null;
  @Column({ type: "varchar", length: 2, nullable: true }) state!: string | null;
  @Column({ type: "longtext", nullable: true }) goals!: string | null;
  @Column({ type: "varchar", length: 3000, nullable: true }) bio!: string | null;
  @Column({ type: "datetime", precision: 6, name: "profile_image_uploaded_at", nullable: true }) profileImageUploadedAt!: Date | null;
  @Column({ type: "varchar", length: 50, name: "phone_number", nullable: true }) phoneNumber!: string | null;
}
