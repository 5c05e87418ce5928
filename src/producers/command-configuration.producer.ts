import type { DataSource } from "typeorm";
import type { AppContext } from "../app/app-context";
import { parseArgumentText } from "../command-line/option-specs";
import { CertificateGenerationCommandConfiguration, PurgeReferencesToPdfCertificatesCommandConfiguration } from "../entities/lms";
import { entityTableAvailable } from "../db/lms-schema/lms-schema-inspector";
import { RequestRefusedError } from "../errors/request-refused-error";
import { argumentsFromDatabase } from "./command-arguments";
import { GENERATION_SELECTION, describeGenerationBatch, generationBatchFromOptions, runGenerationBatch } from "./certificate-generation.producer";
import { PURGE_SELECTION, purgeRequestFromOptions, runPurgeBatch } from "./pdf-certificate-purge-batch.producer";

/** The two edx-platform ConfigurationModels whose `arguments` replace a command line under `--args-from-database`. */
export type CommandConfigurationKind = "generation" | "purge";

type ConfigurationEntity = typeof CertificateGenerationCommandConfiguration | typeof PurgeReferencesToPdfCertificatesCommandConfiguration;

interface CommandConfigurationModel {
  kind: CommandConfigurationKind;
  entity: ConfigurationEntity;
  /** This service's command that reads the row with --args-from-database. */
  command: string;
  /** The upstream management command the arguments were written for. */
  upstreamCommand: string;
  /**
   * Parses and validates stored arguments exactly as the command does under --args-from-database; throws
   * InvalidArgumentsError (malformed) or RequestRefusedError (incomplete) with the command's own message.
   */
  validate(text: string): void;
}

export const COMMAND_CONFIGURATIONS: Record<CommandConfigurationKind, CommandConfigurationModel> = {
  generation: {
    kind: "generation",
    entity: CertificateGenerationCommandConfiguration,
    command: "generate-certificates",
    upstreamCommand: "cert_generation",
    validate: (text) => void generationBatchFromOptions(parseArgumentText(text, GENERATION_SELECTION)),
  },
  purge: {
    kind: "purge",
    entity: PurgeReferencesToPdfCertificatesCommandConfiguration,
    command: "purge-pdf-certificates",
    upstreamCommand: "purge_references_to_pdf_certificates",
    validate: (text) => void purgeRequestFromOptions(parseArgumentText(text, PURGE_SELECTION)),
  },
};

/** The LMS has no table for this ConfigurationModel (it is older than the release that added it). */
export class ConfigurationTableMissingError extends RequestRefusedError {
  override readonly code = "CONFIGURATION_TABLE_MISSING";

  constructor(modelName: string, table: string) {
    super(`this LMS has no ${table} table (${modelName} is newer than this LMS's release): upgrade the LMS to store arguments here`);
    this.name = "ConfigurationTableMissingError";
  }
}

interface ConfigurationRow {
  id: number;
  changeDate: Date;
  changedById: number | null;
  enabled: boolean;
  arguments: string;
}

/** The newest rows first, as ConfigurationModel.current() orders them (change_date, then id): the first one is in force. */
export async function configurationHistory(ds: DataSource, kind: CommandConfigurationKind, limit = 100): Promise<ConfigurationRow[]> {
  if (!(await entityTableAvailable(ds, COMMAND_CONFIGURATIONS[kind].entity))) return [];
  return ds
    .getRepository(COMMAND_CONFIGURATIONS[kind].entity)
    .createQueryBuilder("c")
    .orderBy("c.change_date", "DESC")
    .addOrderBy("c.id", "DESC")
    .limit(limit)
    .getMany();
}

/**
 * Adds a row, which becomes the one in force (ConfigurationModel rows are never edited: a change is a new row).
 * The caller validates first; `changedById` is the acting user, as Django admin's save_model sets it. Refused
 * (ConfigurationTableMissingError) on an LMS without the model's table.
 */
export async function addConfigurationRow(
  ds: DataSource,
  kind: CommandConfigurationKind,
  row: { enabled: boolean; arguments: string; changedById: number },
  now = new Date(),
): Promise<number> {
  const entity = COMMAND_CONFIGURATIONS[kind].entity;
  if (!(await entityTableAvailable(ds, entity))) throw new ConfigurationTableMissingError(entity.modelName, ds.getMetadata(entity).tableName);
  const result = await ds.getRepository(COMMAND_CONFIGURATIONS[kind].entity).insert({ ...row, changeDate: now });
  return Number(result.identifiers[0].id);
}

interface StoredRunIo {
  out(line: string): void;
  err(line: string): void;
}

/** What a stored run came to: whether it was a dry run, and (a purge's dry run) how many certificates it refused. */
interface StoredRunSummary {
  dryRun: boolean;
  refused: number;
}

/** Whether the stored arguments ask for a dry run (the console says so before it runs them). */
export function storedArgumentsDryRun(kind: CommandConfigurationKind, text: string): boolean {
  return kind === "generation"
    ? generationBatchFromOptions(parseArgumentText(text, GENERATION_SELECTION)).dryRun
    : purgeRequestFromOptions(parseArgumentText(text, PURGE_SELECTION)).dryRun;
}

/**
 * What `<command> --args-from-database` does, through the same producer code: reads the row in force (disabled →
 * ArgumentsDisabledError), parses its arguments and enqueues the batch, or for a stored `--dry-run` prints the
 * same lines as the command's dry run (a purge's plans read S3 and give the worker's refusals) and enqueues nothing.
 */
export async function runStoredArguments(
  ctx: Pick<AppContext, "dataSource" | "queues" | "config" | "logger" | "s3" | "certificateEvents">,
  kind: CommandConfigurationKind,
  io: StoredRunIo,
): Promise<StoredRunSummary> {
  const model = COMMAND_CONFIGURATIONS[kind];
  const stored = await argumentsFromDatabase(ctx.dataSource, model.entity);
  if (kind === "generation") {
    const batch = generationBatchFromOptions(parseArgumentText(stored, GENERATION_SELECTION));
    const summary = await runGenerationBatch(ctx, batch, { warn: (line) => io.err(`warning: ${line}`), out: (line) => io.out(line) });
    io.out(describeGenerationBatch(summary, batch.dryRun));
    return { dryRun: batch.dryRun, refused: 0 };
  }
  const request = purgeRequestFromOptions(parseArgumentText(stored, PURGE_SELECTION));
  const summary = await runPurgeBatch(ctx, request, io);
  return { dryRun: request.dryRun, refused: summary.refused };
}
