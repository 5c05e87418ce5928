import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** `user_api_retirementstate`: the ordered retirement states, written by populate-retirement-states. */
@Entity({ name: "user_api_retirementstate" })
export class RetirementState {
  @PrimaryGeneratedColumn({ type: "int" }) id!: number;
  @Column({ type: "varchar", length: 30, name: "state_name", unique: true }) stateName!: string;
  @Column({ type: "smallint", name: "state_execution_order", unique: true }) stateExecutionOrder!: number;
  @Column({ type: "boolean", name: "is_dead_end_state", default: false }) isDeadEndState!: boolean;
  @Column({ type: "boolean", default: false }) required!: boolean;
}
