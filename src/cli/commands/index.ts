import type { Command } from "../command";
import { backfillOrganizationsCommand } from "./backfill-organizations";
import { archiveRetirementsCommand } from "./archive-retirements";
import { sweepStuckWorkCommand } from "./sweep-stuck-work";
import { configCommand } from "./config";
import { consoleCommand } from "./console";
import { certificateDateOverrideCommand } from "./certificate-date-override";
import { generateCertificatesCommand } from "./generate-certificates";
import { reapplyFailedGenerationCommand } from "./reapply-failed-generation";
import { migrateCommand } from "./migrate";
import { purgePdfCertificatesCommand } from "./purge-pdf-certificates";
import { queuesCommand } from "./queues";
import { populateRetirementStatesCommand } from "./populate-retirement-states";
import { requestRetirementCommand } from "./request-retirement";
import { retireLearnersCommand } from "./retire-learners";
import { retirementStatusCommand } from "./retirement-status";
import { retryFailedCommand } from "./retry-failed";
import { workerCommand } from "./worker";

/**
 * Every CLI command, in the order `--help` lists them. To add one: write commands/<name>.ts exporting a `Command`
 * ({ name, summary, usage, details?, options: { "long-name": { type: "boolean" | "string" | "list", aliases?,
 * valueName?, description }, ...HELP_OPTION }, run({ options }, io) }) and list it here; src/cli/program.ts turns it
 * into a commander command (aliases such as upstream's `--user_ids`, lists taking several values and/or commas,
 * help, exit codes). Throw UsageError/ConfigError for exit 2 and CommandError for exit 1; return 0 or 1 otherwise.
 */
export const COMMANDS: Command[] = [
  migrateCommand,
  workerCommand,
  queuesCommand,
  retryFailedCommand,
  purgePdfCertificatesCommand,
  generateCertificatesCommand,
  reapplyFailedGenerationCommand,
  certificateDateOverrideCommand,
  populateRetirementStatesCommand,
  requestRetirementCommand,
  retireLearnersCommand,
  retirementStatusCommand,
  archiveRetirementsCommand,
  sweepStuckWorkCommand,
  backfillOrganizationsCommand,
  consoleCommand,
  configCommand,
];
