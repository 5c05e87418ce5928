import type { AppContext } from "../app/app-context";
import type { OptionSpecs, ParsedOptions } from "../command-line/option-specs";
import { parseIds } from "../command-line/values";
import { InvalidArgumentsError } from "../errors/invalid-arguments-error";
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
  /** Dry run only: plans these certificates (the CLI reads S3), returns how many were refused. Absent: listed only. */
  plan?(certificateIds: number[]): Promise<number>;
}

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
export async function runPurgeBatch(ctx: Pick<AppContext, "dataSource" | "queues">, req: PurgeRequest, io: PurgeBatchIo): Promise<PurgeBatchSummary> {
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
    summary.refused = io.plan ? await io.plan(selection.toPurge) : 0;
    if (!io.plan) io.out(`[DRY RUN] ${selection.toPurge.length} certificate(s) would be purged; nothing enqueued.`);
    return summary;
  }
  const created = await enqueuePurges(ctx.queues, selection.toPurge);
  const already = selection.toPurge.length - created.certificates;
  io.out(`Enqueued ${created.certificates} certificate(s) in ${created.jobs} purge job(s)${already > 0 ? `; ${already} already queued` : ""}.`);
  return { ...summary, enqueued: created.certificates, jobs: created.jobs };
}

async function purgeAll(ctx: Pick<AppContext, "dataSource" | "queues">, dryRun: boolean, io: PurgeBatchIo): Promise<PurgeBatchSummary> {
  const total = await countPdfCertificates(ctx.dataSource);
  let done = 0;
  let created = 0;
  let jobs = 0;
  let refused = 0;
  for await (const chunk of allPdfCertificateIds(ctx.dataSource)) {
    if (dryRun) refused += io.plan ? await io.plan(chunk) : 0;
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
