import { PurgeReferencesToPdfCertificatesCommandConfiguration } from "../../entities/lms";
import { argumentsFromDatabase } from "../../producers/command-arguments";
import { PURGE_SELECTION, purgeRequestFromOptions, runPurgeBatch } from "../../producers/pdf-certificate-purge-batch.producer";
import { parseArgumentText } from "../../command-line/option-specs";
import { HELP_OPTION, type CommandBody } from "../command";
import { progressReporter, withAppContext } from "../runtime";

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
    ...PURGE_SELECTION,
    "args-from-database": { type: "boolean", description: "Take the options from the newest enabled PurgeReferencestoPDFCertificatesCommandConfiguration row" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    return withAppContext(io, ["CERTIFICATES_BUCKET"], async (ctx) => {
      let opts = options;
      if (opts["args-from-database"]) {
        const stored = await argumentsFromDatabase(ctx.dataSource, PurgeReferencesToPdfCertificatesCommandConfiguration);
        opts = parseArgumentText(stored, PURGE_SELECTION);
      }
      const request = purgeRequestFromOptions(opts);
      const summary = await runPurgeBatch(ctx, request, {
        out: (line) => io.out(line),
        err: (line) => io.err(line),
        progress: progressReporter(io, request.dryRun ? "planned" : "enqueued"),
      });
      return summary.refused > 0 ? 1 : 0;
    });
  },
};
