import type { ConfigSource } from "../config-source";

export interface OrganizationsConfig {
  /** Cron pattern (UTC) of the scheduled backfill; undefined = off. */
  backfillCron?: string;
  /** Course runs per backfill chunk job. */
  backfillChunkSize: number;
  /** Scheduled runs behave like --inactive: create rows inactive and reactivate nothing. */
  backfillScheduleInactive: boolean;
}

export function readOrganizationsConfig(src: ConfigSource): OrganizationsConfig {
  return {
    backfillCron: src.cron(
      "ORGANIZATIONS_BACKFILL_CRON",
      "Cron pattern (UTC) on which workers of the organizations queue run backfill-organizations --apply, to keep new course runs linked to their organization; unset = never",
    ),
    backfillChunkSize: src.int("ORGANIZATIONS_BACKFILL_CHUNK_SIZE", "Course runs per organizations backfill chunk job (keyset on course_overviews_courseoverview.id)", { default: 1000, min: 1, max: 10000 }),
    backfillScheduleInactive: src.bool(
      "ORGANIZATIONS_BACKFILL_SCHEDULE_INACTIVE",
      "Scheduled backfills behave like --inactive: new organizations and linkages are created inactive and inactive ones are not reactivated",
      false,
    ),
  };
}
