import { argumentsFromDatabase } from "../../producers/command-arguments";
import { CertificateGenerationCommandConfiguration } from "../../entities/lms";
import {
  GENERATION_SELECTION,
  describeGenerationBatch,
  generationBatchFromOptions,
  runGenerationBatch,
} from "../../producers/certificate-generation.producer";
import { parseArgumentText } from "../../command-line/option-specs";
import { HELP_OPTION, type CommandBody } from "../command";
import { progressReporter, withAppContext } from "../runtime";

export const generateCertificatesCommand: CommandBody = {
  usage: "openedx-workers generate-certificates --course-key KEY (--user-ids ID… | --all-enrolled | --args-from-database) [--dry-run]",
  details: `Learners go in generate-certificates jobs of up to 250 (ids ascending), each chunk decided and written
together, id generate-certificates.<url-encoded course key>.<first id>-<last id>.<count>.<digest of the ids>:
asking again while a chunk is still waiting adds nothing (it reads fresh facts when it runs); asking again after
it finished runs the rules again. A learner that fails is retried on its own (the others stay done) and, failing
for good, is recorded as its own failed task generate-certificate.<user id>.<url-encoded course key>, which
reapply-failed-generation re-enqueues as a single-learner job.
The worker decides as edx-platform's generation_handler (allowlist or regular path, then the common checks) and
upserts certificates_generatedcertificate, or records unavailable / unverified / notpassing, or leaves things.
Unknown user ids are skipped with a warning ("User N could not be found") and counted.
--args-from-database reads the newest certificates_certificategenerationcommandconfiguration row, which must be
enabled; its arguments use upstream's spelling: -u 1 2 3 -c course-v1:Org+Course+Run (they replace the other
options; --dry-run given here still applies). Flags: CERTIFICATES_HTML_VIEW, ENABLE_CERTIFICATES_IDV_REQUIREMENT,
DISABLE_HONOR_CERTIFICATES. Schedule the stored batch with CERTIFICATE_GENERATION_CRON.`,
  options: {
    ...GENERATION_SELECTION,
    "args-from-database": { type: "boolean", aliases: ["--args_from_database"], description: "Take the options from the newest enabled CertificateGenerationCommandConfiguration row" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    return withAppContext(io, [], async (ctx) => {
      let opts = options;
      if (opts["args-from-database"]) {
        const stored = await argumentsFromDatabase(ctx.dataSource, CertificateGenerationCommandConfiguration);
        opts = { ...parseArgumentText(stored, GENERATION_SELECTION) };
        if (options["dry-run"]) opts["dry-run"] = true;
      }
      const batch = generationBatchFromOptions(opts);
      const summary = await runGenerationBatch(ctx, batch, {
        warn: (line) => io.err(`warning: ${line}`),
        out: (line) => io.out(line),
        progress: progressReporter(io, batch.dryRun ? "checked" : "enqueued"),
      });
      io.out(describeGenerationBatch(summary, batch.dryRun));
      return 0;
    });
  },
};
