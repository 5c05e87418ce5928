import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** Django's `auth_user`. Holds PII (username, email, names): never log or enqueue these columns. */
@Entity({ name: "auth_user" })
export class AuthUser {
  @PrimaryGeneratedColumn({ type: "int" }) id!: number;
  @Column({ type: "varchar", length: 128 }) password!: string;
  @Column({ type: "datetime", precision: 6, name: "last_login", nullable: true }) lastLogin!: Date | null;
  @Column({ type: "boolean", name: "is_superuser" }) isSuperuser!: boolean;
  @Column({ type: "varchar", length: 150, unique: true }) username!: string;
  @Column({ type: "varchar", length: 150, name: "first_name" }) firstName!: string;
  @Column({ type: "varchar", length: 150, name: "last_name" }) lastName!: string;
  @Column({ type: "varchar", length: 254 }) email!: string;
  @Column({ type: "boolean", name: "is_staff" }) isStaff!: boolean;
  @Column({ type: "boolean", name: "is_active" }) isActive!: boolean;
  @Column({ type: "datetime", precision: 6, name: "date_joined" }) dateJoined!: Date;
}
