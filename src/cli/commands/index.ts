import type { Command, CommandBody } from "../command";

/**
 * Every CLI command, in the order `--help` lists them, by name and summary only: a command's module (its options,
 * its help, its `run` and the libraries that needs: TypeORM, BullMQ, the AWS SDK, Fastify…) is loaded when that
 * command runs or shows its help, so `--help` and `queues` do not load what other commands use. To add one: write
 * commands/<name>.ts exporting a `CommandBody` ({ usage, details?, options: { "long-name": { type: "boolean" |
 * "string" | "list", aliases?, valueName?, description }, ...HELP_OPTION }, run({ options }, io) }) and list it here;
 * src/cli/program.ts turns it into a commander command (aliases such as upstream's `--user_ids`, lists taking several
 * values and/or commas, help, exit codes). Throw UsageError/ConfigError for exit 2 and CommandError for exit 1;
 * return 0 or 1 otherwise.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  /** The whole command (its module is required on first use). */
  load(): Command;
}

function entry(name: string, summary: string, body: () => CommandBody): CommandEntry {
  let command: Command | undefined;
  return { name, summary, load: () => (command ??= { name, summary, ...body() }) };
}

// require() in the loaders, not import: the module is read only when its loader runs.
export const COMMANDS: CommandEntry[] = [
  entry("migrate", "Create or update the worker's own tables (and, for standalone use, the LMS tables)", () => (require("./migrate") as typeof import("./migrate")).migrateCommand),
  entry("check-lms-schema", "Compare the LMS tables and columns the workers use with the database; exit 2 when a required one is missing", () => (require("./check-lms-schema") as typeof import("./check-lms-schema")).checkLmsSchemaCommand),
  entry("worker", "Process jobs from the queues until stopped (or until idle)", () => (require("./worker") as typeof import("./worker")).workerCommand),
  entry("queues", "Show job counts per queue and state", () => (require("./queues") as typeof import("./queues")).queuesCommand),
  entry("retry-failed", "Re-run the jobs that failed for good (all of them, or those of some queues)", () => (require("./retry-failed") as typeof import("./retry-failed")).retryFailedCommand),
  entry("purge-pdf-certificates", "Enqueue the purge of legacy PDF certificates: their 4 S3 files, then their links", () => (require("./purge-pdf-certificates") as typeof import("./purge-pdf-certificates")).purgePdfCertificatesCommand),
  entry("generate-certificates", "Enqueue certificate generation for learners of a course run, with edx-platform's rules (cert_generation)", () => (require("./generate-certificates") as typeof import("./generate-certificates")).generateCertificatesCommand),
  entry("reapply-failed-generation", "Re-enqueue certificate generation jobs that failed for good (like upstream's reapply_tasks)", () => (require("./reapply-failed-generation") as typeof import("./reapply-failed-generation")).reapplyFailedGenerationCommand),
  entry("certificate-date-override", "Set or clear the date shown on a certificate (CertificateDateOverride), as the LMS admin does", () => (require("./certificate-date-override") as typeof import("./certificate-date-override")).certificateDateOverrideCommand),
  entry("populate-retirement-states", "Make user_api_retirementstate mirror RETIREMENT_STATES (upstream's populate_retirement_states)", () => (require("./populate-retirement-states") as typeof import("./populate-retirement-states")).populateRetirementStatesCommand),
  entry("request-retirement", "Put learners in the retirement queue (PENDING), as the LMS does when a learner deletes their account", () => (require("./request-retirement") as typeof import("./request-retirement")).requestRetirementCommand),
  entry("cancel-retirement", "Cancel a PENDING retirement request as the LMS does: original email back, a random usable password, status and request rows deleted", () => (require("./cancel-retirement") as typeof import("./cancel-retirement")).cancelRetirementCommand),
  entry("retire-learners", "Enqueue every learner due for retirement (upstream's get_learners_to_retire + a job per learner, or chunks of up to 64)", () => (require("./retire-learners") as typeof import("./retire-learners")).retireLearnersCommand),
  entry("retirement-status", "Show a learner's retirement state and history; set, rewind or bulk-update states (subcommands set, rewind-errored, bulk-update)", () => (require("./retirement-status") as typeof import("./retirement-status")).retirementStatusCommand),
  entry("archive-retirements", "Archive COMPLETE learners past the cool-off to RETIREMENT_ARCHIVE_BUCKET, then redact and delete their status rows (upstream's retirement_archive_and_cleanup + retirement_cleanup)", () => (require("./archive-retirements") as typeof import("./archive-retirements")).archiveRetirementsCommand),
  entry("partner-report", "Report retired learners to the partners of their courses' orgs (CSV per partner, Google Drive or files only) and delete the reported rows (upstream's retirement_partner_report.py)", () => (require("./partner-report") as typeof import("./partner-report")).partnerReportCommand),
  entry("sweep-stuck-work", "Re-enqueue work whose rows say unfinished while no job carries it: learners, lost generation and purge jobs (what the scheduled sweepers do)", () => (require("./sweep-stuck-work") as typeof import("./sweep-stuck-work")).sweepStuckWorkCommand),
  entry("backfill-organizations", "Create missing organizations and organization-course linkages from the course runs (backfill_orgs_and_org_courses)", () => (require("./backfill-organizations") as typeof import("./backfill-organizations")).backfillOrganizationsCommand),
  entry("console", "Serve the operations console: queue dashboard (bull-board), retirement and certificate admin pages, sign-in with LMS staff accounts, /metrics, /healthz, /readyz", () => (require("./console") as typeof import("./console")).consoleCommand),
  entry("config", "Validate the configuration and show every variable, its value and where it came from", () => (require("./config") as typeof import("./config")).configCommand),
];
