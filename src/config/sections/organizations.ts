import { defineSection } from "../section";
import { bool, cron, int, variable } from "../variable";

interface OrganizationsConfig {
  /** Cron pattern (UTC) of the scheduled backfill; undefined = off. */
  backfillCron?: string;
  /** Course runs per backfill chunk job. */
  backfillChunkSize: number;
  /** Scheduled runs behave like --inactive: create rows inactive and reactivate nothing. */
  backfillScheduleInactive: boolean;
}

export const organizationsSection = defineSection(
  {
    ORGANIZATIONS_BACKFILL_CRON: variable(cron(), {
      description:
        "Cron pattern (UTC) on which workers of the organizations queue run backfill-organizations --apply, to keep new course runs linked to their organization; unset = never",
    }),
    ORGANIZATIONS_BACKFILL_CHUNK_SIZE: variable(int({ min: 1, max: 10000 }), {
      description: "Course runs per organizations backfill chunk job (keyset on course_overviews_courseoverview.id)",
      default: 1000,
    }),
    ORGANIZATIONS_BACKFILL_SCHEDULE_INACTIVE: variable(bool(), {
      description:
        "Scheduled backfills behave like --inactive: new organizations and linkages are created inactive and inactive ones are not reactivated",
      default: false,
    }),
  },
  (v): OrganizationsConfig => ({
    backfillCron: v.ORGANIZATIONS_BACKFILL_CRON,
    backfillChunkSize: v.ORGANIZATIONS_BACKFILL_CHUNK_SIZE,
    backfillScheduleInactive: v.ORGANIZATIONS_BACKFILL_SCHEDULE_INACTIVE,
  }),
);
