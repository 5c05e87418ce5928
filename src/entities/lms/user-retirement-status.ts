import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/**
 * `user_api_userretirementstatus`: one row per learner being retired. original_* columns are PII: never log or
 * enqueue them. State changes go through RetirementStatusStore's compare-and-set updates, never save().
 */
@Entity({ name: "user_api_userretirementstatus" })
export class UserRetirementStatus {
  @PrimaryGeneratedColumn({ type: "int" }) id!: number;
  @Column({ type: "datetime", precision: 6 }) created!: Date;
  @Column({ type: "datetime", precision: 6 }) modified!: Date;
  @Column({ type: "int", name: "user_id", unique: true }) userId!: number;
  @Column({ type: "varchar", length: 150, name: "original_username" }) originalUsername!: string;
  @Column({ type: "varchar", length: 254, name: "original_email" }) originalEmail!: string;
  @Column({ type: "varchar", length: 255, name: "original_name", default: "" }) originalName!: string;
  @Column({ type: "varchar", length: 150, name: "retired_username" }) retiredUsername!: string;
  @Column({ type: "varchar", length: 254, name: "retired_email" }) retiredEmail!: string;
  @Column({ type: "longtext" }) responses!: string;
  @Column({ type: "int", name: "current_state_id" }) currentStateId!: number;
  @Column({ type: "int", name: "last_state_id", nullable: true }) lastStateId!: number | null;
}
