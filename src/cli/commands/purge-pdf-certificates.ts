import type { AppContext } from "../../app/app-context";
import { PurgeReferencesToPdfCertificatesCommandConfiguration } from "../../entities/lms";
import { DomainRuleError } from "../../domain/domain-rule-error";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { UsageError } from "../../errors/usage-error";
import { argumentsFromDatabase } from "../../producers/command-arguments";
import {
  allPdfCertificateIds,
  countPdfCertificates,
  enqueuePurges,
  pdfCertificatesOfUsers,
  selectCertificates,
} from "../../producers/pdf-certificate-purge.producer";
import { PdfCertificatePurger } from "../../services/pdf-certificate-purger";
import { parseArgumentText } from "../../command-line/option-specs";
import { parseIds, type OptionSpecs, type ParsedOptions } from "../args";
import { HELP_OPTION, type CliIo, type CommandBody } from "../command";
import { progressReporter, withAppContext } from "../runtime";

const SELECTION: OptionSpecs = {
  "certificate-ids": { type: "list", aliases: ["--certificate_ids"], valueName: "ID", description: "These certificates (GeneratedCertificate ids)" },
  "user-ids": { type: "list", aliases: ["--user_ids"], valueName: "ID", description: "Every PDF certificate of these learners (user ids)" },
  all: { type: "boolean", description: "Every certificate with a non-empty download_url or download_uuid" },
  "dry-run": { type: "boolean", aliases: ["--dry_run"], description: "Show what would be deleted and blanked; enqueue and change nothing" },
};

export const purgePdfCertificatesCommand: CommandBody = {
  usage: "openedx-workers purge-pdf-certificates (--certificate-ids ID… | --user-ids ID… | --all | --args-from-database) [--dry-run]",
  details: `Certificates are enqueued in batches of up to 250 in id order, one job per batch (a lone certificate
keeps the id purge-pdf-certificate.<id>); enqueueing the same certificates twice adds nothing, and a certificate
in two batches is still purged once (compare-and-set). Per batch the worker deletes each certificate's
downloads/<download_uuid>/Certificate.pdf and cert/<verify_uuid>/{Certificate.pdf.sig,valid.html,verify.html}
with one DeleteObjects call, then blanks download_url and download_uuid of those whose files are gone. Links
outside CERTIFICATES_DOWNLOAD_URL_BASES or otherwise malformed are refused: nothing is deleted for that
certificate, its neighbours are purged, and the job fails naming it.
--args-from-database reads the newest certificates_purgereferencestopdfcertificatescommandconfigur95fa row;
its arguments may use upstream's spelling: --certificate_ids 1 2 3.`,
  options: {
    ...SELECTION,
    "args-from-database": { type: "boolean", description: "Take the options from the newest enabled PurgeReferencestoPDFCertificatesCommandConfiguration row" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    return withAppContext(io, ["CERTIFICATES_BUCKET"], async (ctx) => {
      let opts = options;
      if (opts["args-from-database"]) {
        const stored = await argumentsFromDatabase(ctx.dataSource, PurgeReferencesToPdfCertificatesCommandConfiguration);
        opts = parseArgumentText(stored, SELECTION);
      }
      return purge(ctx, opts, io);
    });
  },
};

async function purge(ctx: AppContext, opts: ParsedOptions, io: CliIo): Promise<number> {
  const sources = ["certificate-ids", "user-ids", "all"].filter((k) => opts[k] !== undefined);
  if (sources.length > 1) throw new UsageError("give only one of --certificate-ids, --user-ids, --all, --args-from-database");
  const dryRun = opts["dry-run"] === true;
  const prefix = dryRun ? "[DRY RUN] " : "";

  if (opts.all) return purgeAll(ctx, dryRun, io);

  let ids: number[];
  if (opts["user-ids"]) {
    const userIds = parseIds(opts["user-ids"] as string[], "user id");
    if (userIds.length === 0) throw new UsageError("You must specify one or more user IDs");
    ids = await pdfCertificatesOfUsers(ctx.dataSource, userIds);
    io.err(`${ids.length} PDF certificate(s) found for ${userIds.length} learner(s)`);
  } else {
    ids = parseIds(opts["certificate-ids"] as string[] | undefined, "certificate id");
    if (ids.length === 0) throw new UsageError("You must specify one or more certificate IDs");
  }
  const selection = await selectCertificates(ctx.dataSource, ids);
  io.out(`${prefix}Purging download_url and download_uri from the following certificate records: [${selection.toPurge.join(", ")}]`);
  if (selection.unknown.length > 0) io.err(`warning: no certificate with id ${selection.unknown.join(", ")}; skipped`);
  if (selection.alreadyPurged.length > 0) io.err(`certificate(s) ${selection.alreadyPurged.join(", ")} have no PDF links; nothing to purge`);

  if (dryRun) return (await dryRunPlans(ctx, selection.toPurge, io)) > 0 ? 1 : 0;
  const created = await enqueuePurges(ctx.queues, selection.toPurge);
  const already = selection.toPurge.length - created.certificates;
  io.out(`Enqueued ${created.certificates} certificate(s) in ${created.jobs} purge job(s)${already > 0 ? `; ${already} already queued` : ""}.`);
  return 0;
}

async function purgeAll(ctx: AppContext, dryRun: boolean, io: CliIo): Promise<number> {
  const total = await countPdfCertificates(ctx.dataSource);
  const progress = progressReporter(io, dryRun ? "planned" : "enqueued");
  let done = 0;
  let created = 0;
  let jobs = 0;
  let refused = 0;
  for await (const chunk of allPdfCertificateIds(ctx.dataSource)) {
    if (dryRun) refused += await dryRunPlans(ctx, chunk, io);
    else {
      const enqueued = await enqueuePurges(ctx.queues, chunk);
      created += enqueued.certificates;
      jobs += enqueued.jobs;
    }
    done += chunk.length;
    progress(done, total);
  }
  progress(done, total, true);
  if (dryRun) {
    io.out(`[DRY RUN] ${done - refused} of ${done} PDF certificate(s) would be purged; ${refused} refused.`);
    return refused > 0 ? 1 : 0;
  }
  io.out(`Enqueued ${created} of ${done} PDF certificate(s) in ${jobs} purge job(s)${created < done ? `; ${done - created} already queued` : ""}.`);
  return 0;
}

/** Plans each purge exactly as the worker would, printing the keys or the refusal; returns how many were refused. */
async function dryRunPlans(ctx: AppContext, ids: number[], io: CliIo): Promise<number> {
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
