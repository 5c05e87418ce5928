import type { DataSource } from "typeorm";
import { compareLmsSchema, optionalLine, requiredLine, type LmsSchemaReport } from "../db/lms-schema/lms-schema-check";
import { lmsSchemaOf } from "../db/lms-schema/lms-schema-inspector";
import { ALL_FAMILIES, LmsFamily } from "../db/lms-schema/lms-table-use";
import { LmsSchemaError } from "../errors/lms-schema-error";
import type { Logger } from "../logging/logger";
import { QueueName } from "../queues/registry";

/** The LMS tables a queue's jobs touch are those of these families. */
export const QUEUE_LMS_FAMILIES: Record<QueueName, LmsFamily[]> = {
  [QueueName.CertificatePurge]: [LmsFamily.Purge],
  [QueueName.CertificateGeneration]: [LmsFamily.Generation],
  [QueueName.LearnerRetirement]: [LmsFamily.Retirement],
  [QueueName.Organizations]: [LmsFamily.Organizations],
  [QueueName.CertificateEvents]: [LmsFamily.EventBus],
  [QueueName.Credentials]: [LmsFamily.Credentials],
};

/**
 * The families a worker of these queues needs, in the registry's order; `consuming` adds the EVENT_BUS_CONSUME role's
 * (every worker with consume topics runs it, whatever its queues).
 */
export function familiesOfQueues(queues: readonly QueueName[], consuming = false): LmsFamily[] {
  const wanted = new Set(queues.flatMap((q) => QUEUE_LMS_FAMILIES[q]));
  if (consuming) wanted.add(LmsFamily.EventConsumer);
  return ALL_FAMILIES.filter((f) => wanted.has(f));
}

/**
 * The registry compared with the database (the one cached information_schema read of this DataSource, which also
 * covers `extraTables`, the operator-declared ones checked right after).
 */
export async function lmsSchemaReport(ds: DataSource, families: readonly LmsFamily[], extraTables: readonly string[] = []): Promise<LmsSchemaReport> {
  return compareLmsSchema(await lmsSchemaOf(ds).snapshot(undefined, extraTables), families);
}

/**
 * A worker's start: every required table and column of its queues' families must be there (else LmsSchemaError,
 * exit 2, one line per item); each optional one missing is logged once, as one warning line naming what is skipped.
 */
export async function checkLmsSchemaAtStart(ds: DataSource, queues: readonly QueueName[], logger: Logger, opts: { consuming?: boolean; extraTables?: readonly string[] } = {}): Promise<void> {
  const report = await lmsSchemaReport(ds, familiesOfQueues(queues, opts.consuming), opts.extraTables);
  if (report.missingRequired.length > 0) throw new LmsSchemaError(report.missingRequired.map(requiredLine));
  for (const item of report.missingOptional) logger.warn(`LMS schema: ${optionalLine(item)}`);
}
