import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** `user_api_userretirementrequest`: one row per learner who asked to be retired, ever (unique user_id). */
@Entity({ name: "user_api_userretirementrequest" })
export class UserRetirementRequest {
  @PrimaryGeneratedColumn({ type: "int" }) id!: number;
  @Column({ type: "datetime", precision: 6 }) created!: Date;
  @Column({ type: "datetime", precision: 6 }) modified!: Date;
  @Column({ type: "int", name: "user_id", unique: true }) userId!: number;
}
