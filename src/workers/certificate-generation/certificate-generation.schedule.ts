import { JobName } from "../../queues/registry";
import type { ScheduleDefinition } from "../schedule-definition";

/** Runs the database-configured batch on CERTIFICATE_GENERATION_CRON (off when unset). */
export const certificateGenerationSchedule: ScheduleDefinition<JobName.GenerateCertificatesFromDatabase> = {
  schedulerId: "generate-certificates-from-database",
  jobName: JobName.GenerateCertificatesFromDatabase,
  pattern: (config) => config.generation.batchCron,
  data: () => ({}),
};
