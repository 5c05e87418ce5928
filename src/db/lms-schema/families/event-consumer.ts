import type { LmsTableUse } from "../lms-table-use";

/**
 * The EVENT_BUS_CONSUME role (any worker with consume topics; src/producers/certificate-generation-from-events.producer.ts):
 * the reactions read the auto-generation switch, and an approved ID verification's active enrollments, before they
 * enqueue generation jobs.
 */
export const EVENT_CONSUMER_TABLES: LmsTableUse[] = [
  { table: "waffle_switch", columns: ["name", "active"] },
  { table: "student_courseenrollment", columns: ["user_id", "course_id", "is_active"] },
];
