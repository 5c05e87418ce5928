import { retireLearners } from "../../producers/retirement-queue.producer";
import { RETIREMENT_CHUNK_MAX } from "../../domain/retirement/retirement-pipeline";
import { parseIntOption } from "../args";
import { HELP_OPTION, type CommandBody } from "../command";
import { withAppContext } from "../runtime";

export const retireLearnersCommand: CommandBody = {
  usage: "openedx-workers retire-learners [--cool-off-days N] [--states S…] [--limit N] [--abort-above N] [--chunk-size N] [--dry-run]",
  details: `Selects learners in PENDING or any pipeline END state (a learner paused between steps) whose request (the
status row's created) is older than the cool-off, oldest first, up to --limit, and enqueues one job each (id
retire-learner.<user id>: a learner already queued or running is not queued twice). Refuses, enqueueing nothing,
when more than --abort-above learners are eligible. Workers of the learner-retirement queue also run this on
RETIREMENT_SCHEDULE_CRON. Defaults: RETIREMENT_COOL_OFF_DAYS, RETIREMENT_BATCH_LIMIT, RETIREMENT_ABORT_ABOVE,
RETIREMENT_CHUNK_SIZE.
For a backlog, --chunk-size N puts up to N learners in each job (retire-learners-chunk): their database work is
then batched across the chunk; a learner that cannot finish there continues in its own retire-learner job.`,
  options: {
    "cool-off-days": { type: "string", aliases: ["--cool_off_days"], valueName: "N", description: "Days since the request (default RETIREMENT_COOL_OFF_DAYS, 7)" },
    states: { type: "list", valueName: "STATE", description: "States to pick learners from (default PENDING + the pipeline's END states)" },
    limit: { type: "string", aliases: ["--max_user_batch_size"], valueName: "N", description: "At most this many learners (default RETIREMENT_BATCH_LIMIT, 200)" },
    "abort-above": { type: "string", aliases: ["--user_count_error_threshold"], valueName: "N", description: "Refuse when more learners are eligible (default RETIREMENT_ABORT_ABOVE, 300)" },
    "chunk-size": { type: "string", valueName: "N", description: `Learners per job, 1-${RETIREMENT_CHUNK_MAX} (default RETIREMENT_CHUNK_SIZE, 1: one retire-learner job each)` },
    "dry-run": { type: "boolean", aliases: ["--dry_run"], description: "List the learners (user ids) that would be enqueued; enqueue nothing" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    return withAppContext(io, ["RETIRED_USER_SALTS"], async (ctx) => {
      const r = ctx.config.retirement;
      const dryRun = options["dry-run"] === true;
      const chunkSize = parseIntOption(options["chunk-size"] as string | undefined, "--chunk-size", { default: r.chunkSize, min: 1, max: RETIREMENT_CHUNK_MAX });
      const outcome = await retireLearners(ctx, {
        coolOffDays: parseIntOption(options["cool-off-days"] as string | undefined, "--cool-off-days", { default: r.coolOffDays, min: 0 }),
        states: options.states as string[] | undefined,
        limit: parseIntOption(options.limit as string | undefined, "--limit", { default: r.batchLimit, min: 1 }),
        abortAbove: parseIntOption(options["abort-above"] as string | undefined, "--abort-above", { default: r.abortAbove, min: 0 }),
        dryRun,
        chunkSize,
      });
      const prefix = dryRun ? "[DRY RUN] " : "";
      io.out(`${prefix}${outcome.eligible} learner(s) eligible in ${outcome.states.join(", ")}; batch of ${outcome.batch.length}.`);
      for (const l of outcome.batch) io.out(`${prefix}user ${l.userId} (${l.state})`);
      if (!dryRun) {
        const already = outcome.batch.length - outcome.enqueued;
        const what = chunkSize > 1 ? `learner(s) in retirement chunk jobs of up to ${chunkSize}` : "retirement job(s)";
        io.out(`Enqueued ${outcome.enqueued} ${what}${already > 0 ? `; ${already} already queued or running` : ""}.`);
      }
      return 0;
    });
  },
};
