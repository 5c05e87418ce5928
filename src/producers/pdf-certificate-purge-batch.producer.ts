import type { AppContext } from "../app/app-context";
import type { OptionSpecs, ParsedOptions } from "../command-line/option-specs";
import { parseIds } from "../command-line/values";
import { DomainRuleError } from "../domain/domain-rule-error";
import { InvalidArgumentsError } from "../errors/invalid-arguments-error";
import { PermanentJobError } from "../errors/permanent-job-error";
import { PdfCertificatePurger } from "../services/pdf-certificate-purger";
import { allPdfCertificateIds, countPdfCertificates, enqueuePurges, pdfCertificatesOfUsers, selectCertificates } from "./pdf-certificate-purge.producer";

/**
 * The options of purge-pdf-certificates (upstream's purge_references_to_pdf_certificates), accepted on the command
 * line and in the stored `arguments` of the PurgeReferencestoPDFCertificatesCommandConfiguration table.
 */
export const PURGE_SELECTION: OptionSpecs = {
  "certificate-ids": { type: "list", aliases: ["--certificate_ids"], valueName: "ID", description: "These certificates (GeneratedCertificate ids)" },
  "user-ids": { type: "list", aliases: ["--user_ids"], valueName: "ID", description: "Every PDF certificate of these learners (user ids)" },
  all: { type: "boolean", description: "Every certificate with a non-empty download_url or download_uuid" },
  "dry-run": { type: "boolean", aliases: ["--dry_run"], description: "Show what would be deleted and blanked; enqueue and change nothing" },
};

type PurgeRequest = { dryRun: boolean } & ({ certificateIds: number[] } | { userIds: number[] } | { all: true });

/** Validates a purge selection with upstream's messages (the CLI, --args-from-database and the console share it). */
export function purgeRequestFromOptions(opts: ParsedOptions): PurgeRequest {
  const sources = ["certificate-ids", "user-ids", "all"].filter((k) => opts[k] !== undefined);
  if (sources.length > 1) throw new InvalidArgumentsError("give only one of --certificate-ids, --user-ids, --all, --args-from-database");
  const dryRun = opts["dry-run"] === true;
  if (opts.all) return { dryRun, all: true };
  if (opts["user-ids"]) {
    const userIds = parseIds(opts["user-ids"] as string[], "user id");
    if (userIds.length === 0) throw new InvalidArgumentsError("You must specify one or more user IDs");
    return { dryRun, userIds };
  }
  const certificateIds = parseIds(opts["certificate-ids"] as string[] | undefined, "certificate id");
  if (certificateIds.length === 0) throw new InvalidArgumentsError("You must specify one or more certificate IDs");
  return { dryRun, certificateIds };
}

interface PurgeBatchIo {
  out(line: string): void;
  err(line: string): void;
  progress?(done: number, total?: number, final?: boolean): void;
}

/** What a purge batch needs: the database and queues, and for a dry run's plans the worker's own S3 and checks. */
type PurgeBatchContext = Pick<AppContext, "dataSource" | "queues" | "s3" | "config" | "logger" | "certificateEvents">;

interface PurgeBatchSummary {
  /** Certificates selected for a purge (existing, with links). */
  selected: number;
  /** Certificates in new jobs (the rest were already queued); 0 for a dry run. */
  enqueued: number;
  jobs: number;
  /** Dry run: certificates whose plan was refused. */
  refused: number;
}

/**
 * Runs a purge request as purge-pdf-certificates does, printing its lines through `io`: selects the certificates
 * (unknown ids and already-purged ones reported), then enqueues them in batch jobs, or with `dryRun` only plans them.
 */
export async function runPurgeBatch(ctx: PurgeBatchContext, req: PurgeRequest, io: PurgeBatchIo): Promise<PurgeBatchSummary> {
  const prefix = req.dryRun ? "[DRY RUN] " : "";
  if ("all" in req) return purgeAll(ctx, req.dryRun, io);
  let ids: number[];
  if ("userIds" in req) {
    ids = await pdfCertificatesOfUsers(ctx.dataSource, req.userIds);
    io.err(`${ids.length} PDF certificate(s) found for ${req.userIds.length} learner(s)`);
  } else {
    ids = req.certificateIds;
  }
  const selection = await selectCertificates(ctx.dataSource, ids);
  io.out(`${prefix}Purging download_url and download_uri from the following certificate records: [${selection.toPurge.join(", ")}]`);
  if (selection.unknown.length > 0) io.err(`warning: no certificate with id ${selection.unknown.join(", ")}; skipped`);
  if (selection.alreadyPurged.length > 0) io.err(`certificate(s) ${selection.alreadyPurged.join(", ")} have no PDF links; nothing to purge`);
  const summary: PurgeBatchSummary = { selected: selection.toPurge.length, enqueued: 0, jobs: 0, refused: 0 };
  if (req.dryRun) {
    summary.refused = await planPurges(ctx, selection.toPurge, io);
    return summary;
  }
  const created = await enqueuePurges(ctx.queues, selection.toPurge);
  const already = selection.toPurge.length - created.certificates;
  io.out(`Enqueued ${created.certificates} certificate(s) in ${created.jobs} purge job(s)${already > 0 ? `; ${already} already queued` : ""}.`);
  return { ...summary, enqueued: created.certificates, jobs: created.jobs };
}

async function purgeAll(ctx: PurgeBatchContext, dryRun: boolean, io: PurgeBatchIo): Promise<PurgeBatchSummary> {
  const total = await countPdfCertificates(ctx.dataSource);
  let done = 0;
  let created = 0;
  let jobs = 0;
  let refused = 0;
  for await (const chunk of allPdfCertificateIds(ctx.dataSource)) {
    if (dryRun) refused += await planPurges(ctx, chunk, io);
    else {
      const enqueued = await enqueuePurges(ctx.queues, chunk);
      created += enqueued.certificates;
      jobs += enqueued.jobs;
    }
    done += chunk.length;
    io.progress?.(done, total);
  }
  io.progress?.(done, total, true);
  if (dryRun) {
    io.out(`[DRY RUN] ${done - refused} of ${done} PDF certificate(s) would be purged; ${refused} refused.`);
    return { selected: done, enqueued: 0, jobs: 0, refused };
  }
  io.out(`Enqueued ${created} of ${done} PDF certificate(s) in ${jobs} purge job(s)${created < done ? `; ${done - created} already queued` : ""}.`);
  return { selected: done, enqueued: created, jobs, refused: 0 };
}

/**
 * A dry run's plans: each purge planned exactly as the worker would (its own link checks, the S3 keys it would
 * delete; nothing deleted or written), one line per certificate with the keys or the refusal. The CLI and the
 * console's *Run now* both come here, so their dry runs say the same. Returns how many were refused.
 */
async function planPurges(ctx: PurgeBatchContext, ids: number[], io: Pick<PurgeBatchIo, "out">): Promise<number> {
  const purger = new PdfCertificatePurger(ctx.dataSource, ctx.s3, ctx.config.certificates, ctx.logger, ctx.certificateEvents);
  let refused = 0;
  for (const id of ids) {
    try {
      const outcome = await purger.purge(id, { jobId: "dry-run", dryRun: true });
      if (outcome.status === "dry-run") io.out(`[DRY RUN] certificate ${id}: would delete ${outcome.keys.join(" ")}`);
    } catch (err) {
      if (!(err instanceof PermanentJobError || err instanceof DomainRuleError)) throw err;
      refused++;
      io.out(`[DRY RUN] ${err.message}`);
    }
  }
  return refused;
}
