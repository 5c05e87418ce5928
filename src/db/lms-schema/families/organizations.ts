import type { LmsTableUse } from "../lms-table-use";

export const ORGANIZATIONS_TABLES: LmsTableUse[] = [
  { table: "course_overviews_courseoverview", columns: ["id"] },
  { table: "organizations_organization", columns: ["id", "created", "modified", "name", "short_name", "description", "logo", "active"] },
  { table: "organizations_organizationcourse", columns: ["id", "created", "modified", "course_id", "active", "organization_id"] },
];
