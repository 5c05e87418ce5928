import { CONSOLE_TABLES } from "./families/console";
import { CREDENTIALS_TABLES } from "./families/credentials";
import { EVENT_BUS_TABLES } from "./families/event-bus";
import { EVENT_CONSUMER_TABLES } from "./families/event-consumer";
import { GENERATION_TABLES } from "./families/generation";
import { ORGANIZATIONS_TABLES } from "./families/organizations";
import { PURGE_TABLES } from "./families/purge";
import { RETIREMENT_TABLES } from "./families/retirement";
import { LmsFamily, type LmsTableUse } from "./lms-table-use";

/**
 * The one list of the LMS tables and columns this service uses, per job family: what `check-lms-schema` and every
 * worker's start compare with the connected database, and what code asks before reading a table an LMS may lack.
 * test/db/lms-schema-registry.test.ts fails when src/ names an LMS table this registry does not list, and checks every
 * entry against edx-platform's schema (docs/lms-schema.md says how to add one).
 */
export const LMS_SCHEMA_REGISTRY: Readonly<Record<LmsFamily, readonly LmsTableUse[]>> = {
  [LmsFamily.Purge]: PURGE_TABLES,
  [LmsFamily.Generation]: GENERATION_TABLES,
  [LmsFamily.Retirement]: RETIREMENT_TABLES,
  [LmsFamily.Organizations]: ORGANIZATIONS_TABLES,
  [LmsFamily.EventBus]: EVENT_BUS_TABLES,
  [LmsFamily.EventConsumer]: EVENT_CONSUMER_TABLES,
  [LmsFamily.Credentials]: CREDENTIALS_TABLES,
  [LmsFamily.Console]: CONSOLE_TABLES,
};

/** Every table the registry lists, sorted. */
export function registryTables(): string[] {
  return [...new Set(Object.values(LMS_SCHEMA_REGISTRY).flatMap((uses) => uses.map((u) => u.table)))].sort();
}
