import { parseCalendarDay } from "../../domain/calendar-day";
import { ArchiveWindowError } from "../../domain/retirement/retirement-archive";
import { UsageError } from "../../errors/usage-error";
import { RetirementArchiver } from "../../services/retirement/retirement-archiver";
import { parseIntOption } from "../args";
import { HELP_OPTION, type CommandBody } from "../command";
import { withAppContext } from "../runtime";

export const archiveRetirementsCommand: CommandBody = {
  usage: "openedx-workers archive-retirements [--cool-off-days 37] [--start-date YYYY-MM-DD] [--end-date YYYY-MM-DD] [--batch-size N] [--dry-run]",
  details: `Selects learners in COMPLETE whose request (the status row's created) is older than the cool-off (upstream's
window: created before the day after now - cool-off), in batches. Each batch is written as gzip JSON lines with
upstream's fields and Athena dates to RETIREMENT_ARCHIVE_BUCKET under raw/YYYY/MM/retirement_archive_%Y_%d_%m_%H_%M_%S.json.gz,
read back and compared, and only then are the status rows redacted ('redacted') and deleted. A failed upload deletes
nothing; a batch left unfinished by a crash is re-uploaded under the same name and deleted once on the next run.
--start-date and --end-date (days, UTC, both included) narrow the window as upstream's options do: the end may
not fall within the cool-off, and the start must be before the end (exit 2 otherwise).
--dry-run prints counts and user ids only and touches nothing. Workers of the learner-retirement queue also run
this on RETIREMENT_ARCHIVE_SCHEDULE_CRON. Defaults: RETIREMENT_ARCHIVE_COOL_OFF_DAYS, RETIREMENT_ARCHIVE_BATCH_SIZE.`,
  options: {
    "cool-off-days": { type: "string", aliases: ["--cool_off_days"], valueName: "N", description: "Days since the request (default RETIREMENT_ARCHIVE_COOL_OFF_DAYS, 37)" },
    "start-date": { type: "string", aliases: ["--start_date"], valueName: "YYYY-MM-DD", description: "Only requests created on or after this day (UTC)" },
    "end-date": { type: "string", aliases: ["--end_date"], valueName: "YYYY-MM-DD", description: "Only requests created on or before this day; not within the cool-off" },
    "batch-size": { type: "string", aliases: ["--batch_size"], valueName: "N", description: "Learners per archive object (default RETIREMENT_ARCHIVE_BATCH_SIZE, 1000)" },
    "dry-run": { type: "boolean", aliases: ["--dry_run"], description: "Print counts and user ids; write and delete nothing" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const day = (name: string): Date | undefined => {
      const text = options[name] as string | undefined;
      if (text === undefined) return undefined;
      const date = parseCalendarDay(text);
      if (!date) throw new UsageError(`--${name} must be a date written YYYY-MM-DD, got "${text}"`);
      return date;
    };
    const startDate = day("start-date");
    const endDate = day("end-date");
    return withAppContext(io, [], async (ctx) => {
      const a = ctx.config.erasure.archive;
      const dryRun = options["dry-run"] === true;
      const archiver = new RetirementArchiver(ctx.dataSource, ctx.s3, a.bucket, ctx.logger);
      let outcome;
      try {
        outcome = await archiver.run({
          coolOffDays: parseIntOption(options["cool-off-days"] as string | undefined, "--cool-off-days", { default: a.coolOffDays, min: 0 }),
          batchSize: parseIntOption(options["batch-size"] as string | undefined, "--batch-size", { default: a.batchSize, min: 1 }),
          dryRun, startDate, endDate,
        });
      } catch (err) {
        if (err instanceof ArchiveWindowError) throw new UsageError(err.message);
        throw err;
      }
      const prefix = dryRun ? "[DRY RUN] " : "";
      const learners = outcome.batches.reduce((n, b) => n + b.userIds.length, 0);
      io.out(`${prefix}${learners} COMPLETE learner(s) created ${outcome.start ? `from ${outcome.start.toISOString()} ` : ""}before ${outcome.cutoff.toISOString()}; ${outcome.batches.length} archive batch(es).`);
      for (const b of outcome.batches) {
        io.out(`${prefix}${b.objectKey}${b.resumed ? " (resumed)" : ""}: ${b.userIds.length} learner(s)${dryRun ? "" : `, ${b.deleted} status row(s) deleted`}`);
        io.out(`${prefix}  users ${b.userIds.join(", ")}`);
      }
      return 0;
    });
  },
};
