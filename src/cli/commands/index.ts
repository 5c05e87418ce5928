import type { Command } from "../command";
import { backfillOrganizationsCommand } from "./backfill-organizations";
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
import { workerCommand } from "./worker";

/** Every CLI command, in the order `--help` lists them. */
export const COMMANDS: Command[] = [
  migrateCommand,
  workerCommand,
  queuesCommand,
  purgePdfCertificatesCommand,
  generateCertificatesCommand,
  reapplyFailedGenerationCommand,
  certificateDateOverrideCommand,
  populateRetirementStatesCommand,
  requestRetirementCommand,
  retireLearnersCommand,
  retirementStatusCommand,
  backfillOrganizationsCommand,
  consoleCommand,
  configCommand,
];
