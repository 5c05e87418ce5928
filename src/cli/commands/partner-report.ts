import { UsageError } from "../../errors/usage-error";
import { PartnerReportRunner } from "../../services/retirement/partner-report-runner";
import { HELP_OPTION, type CommandBody } from "../command";
import { withAppContext } from "../runtime";

export const partnerReportCommand: CommandBody = {
  usage: "openedx-workers partner-report --output-dir DIR [--google-secrets-file FILE] [--no-upload] [--no-comments] [--dry-run]",
  details: `upstream's retirement_partner_report.py on the LMS database: the learners queued in
user_api_userretirementpartnerreportingstatus (by the add_to_partner_queue step) are taken and marked as being
processed; their orgs come from their enrollments as the LMS's view finds them; org_partner_mapping maps orgs to
partners (an org missing from it stops the run, naming it, before anything is taken; exit 2). One CSV per partner,
user_retirement_<partner_report_platform_name>_<partner>_<YYYY-MM-DD>.csv (UTC day), with upstream's headings and
Python's excel CSV dialect, is written to --output-dir (readable by its owner only: it holds PII) and uploaded to the
partner's folder (found by name under drive_partners_folder) with the service account of --google-secrets-file, and a
comment tags the folder's addresses (except denied_notification_domains) unless --no-comments. --no-upload only writes
the files. A learner's row is deleted once every partner of theirs has its file; a partner whose delivery fails keeps
its learners queued for the next run and the command exits 1 naming it. --dry-run prints partners, file names and
user ids and changes nothing. Settings: RETIREMENT_DRIVER_CONFIG's keys or RETIREMENT_PARTNER_* variables; workers of
the learner-retirement queue also run it on RETIREMENT_PARTNER_REPORT_CRON. Output names user ids only.`,
  options: {
    "output-dir": { type: "string", aliases: ["--output_dir"], valueName: "DIR", description: "Existing directory the CSV files are written to" },
    "google-secrets-file": { type: "string", aliases: ["--google_secrets_file"], valueName: "FILE", description: "Google service account JSON key (default RETIREMENT_PARTNER_GOOGLE_SECRETS_FILE)" },
    "no-upload": { type: "boolean", description: "Only write the files; no Google Drive (rows are deleted once the files are written)" },
    "no-comments": { type: "boolean", aliases: ["--no_comments"], description: "Upload without notification comments" },
    "dry-run": { type: "boolean", aliases: ["--dry_run"], description: "Print what would be reported; write, upload and change nothing" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const outputDir = options["output-dir"] as string | undefined;
    if (!outputDir) throw new UsageError("--output-dir is required (upstream: No output_dir passed in or path does not exist.)");
    const dryRun = options["dry-run"] === true;
    return withAppContext(io, [], async (ctx) => {
      const outcome = await new PartnerReportRunner(ctx.dataSource, ctx.config.partnerReport, ctx.logger).run({
        outputDir,
        upload: options["no-upload"] !== true,
        comments: options["no-comments"] !== true,
        googleSecretsFile: options["google-secrets-file"] as string | undefined,
        dryRun,
      });
      const prefix = dryRun ? "[DRY RUN] " : "";
      io.out(`${prefix}${outcome.learners} learner(s) to report to ${outcome.partners.length} partner(s).`);
      for (const p of outcome.partners) {
        const what = p.status === "failed" ? `FAILED: ${p.reason}` : p.status === "planned" ? "would be written" : p.status;
        io.out(`${prefix}${p.partner}: ${p.fileName}, ${p.userIds.length} learner(s): ${what}${p.commentProblem ? ` (no comment: ${p.commentProblem})` : ""}`);
        io.out(`${prefix}  users ${p.userIds.join(", ")}`);
      }
      if (!dryRun) io.out(`${outcome.deleted} reporting row(s) deleted; ${outcome.released} kept for the next run.`);
      const failed = outcome.partners.filter((p) => p.status === "failed").map((p) => p.partner);
      if (failed.length > 0) {
        io.err(`openedx-workers partner-report: delivery failed for ${failed.join(", ")}; their learners stay queued for the next run`);
        return 1;
      }
      return 0;
    });
  },
};
