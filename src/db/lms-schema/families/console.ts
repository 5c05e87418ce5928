import type { LmsTableUse } from "../lms-table-use";
import { DATE_OVERRIDES, DATE_OVERRIDE_HISTORY, GENERATION_COMMAND_CONFIGURATION, OVERRIDDEN_CERTIFICATES } from "./generation";
import { PURGE_COMMAND_CONFIGURATION } from "./purge";
import { RETIREMENT_STATES, RETIREMENT_STATUSES } from "./retirement";

/** Sign-in with LMS staff accounts (and the admin group), and what the console's own pages read and write. */
export const CONSOLE_TABLES: LmsTableUse[] = [
  { table: "auth_user", columns: ["id", "username", "password", "is_active", "is_staff", "is_superuser"] },
  { table: "auth_group", columns: ["id", "name"] },
  { table: "auth_user_groups", columns: ["user_id", "group_id"] },
  RETIREMENT_STATES,
  RETIREMENT_STATUSES,
  OVERRIDDEN_CERTIFICATES,
  DATE_OVERRIDES,
  DATE_OVERRIDE_HISTORY,
  GENERATION_COMMAND_CONFIGURATION,
  PURGE_COMMAND_CONFIGURATION,
];
