import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

/** `student_courseaccessrole`: staff, instructor, beta_testers… per course run (or org). */
@Entity({ name: "student_courseaccessrole" })
export class CourseAccessRole {
  @PrimaryGeneratedColumn({ type: "int" }) id!: number;
  @Column({ type: "int", name: "user_id" }) userId!: number;
  @Column({ type: "varchar", length: 64, default: "" }) org!: string;
  @Column({ type: "varchar", length: 255, name: "course_id", default: "" }) courseId!: string;
  @Column({ type: "varchar", length: 64 }) role!: string;
}
