import { pySet } from "../../domain/retirement/retirement-states";
import { CommandError } from "../../errors/command-error";
import { StateTableError, syncStateTable } from "../../services/retirement/retirement-state-table";
import { HELP_OPTION, type CommandBody } from "../command";
import { withAppContext } from "../runtime";

export const populateRetirementStatesCommand: CommandBody = {
  usage: "openedx-workers populate-retirement-states [--dry-run]",
  details: `Same checks, messages and numbering as edx-platform's command: PENDING first, ERRORED, ABORTED, COMPLETE last;
refused while any learner is outside those four states; states numbered 1, 11, 21, … (gaps for hand-inserted
states); end states flagged dead-end, the four required states flagged required. Idempotent; runs in one
transaction. On a real LMS the LMS's own command owns this table: run this only where the LMS does not.`,
  options: {
    "dry-run": { type: "boolean", aliases: ["--dry_run"], description: "Run the checks and show the differences without changing anything" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const dryRun = options["dry-run"] === true;
    return withAppContext(io, [], async (ctx) => {
      if (dryRun) io.out("--- Dry run, no changes will be made ---");
      let result;
      try {
        result = await syncStateTable(ctx.dataSource, ctx.config.retirement.states, { dryRun });
      } catch (err) {
        if (err instanceof StateTableError) throw new CommandError(err.message);
        throw err;
      }
      const { plan, table } = result;
      io.out("States have been synchronized. Differences:");
      io.out(`   Added: ${pySet(plan.toCreate)}`);
      io.out(`   Removed: ${pySet(plan.toDelete)}`);
      io.out(`   Remaining: ${pySet(plan.remaining)}`);
      io.out("States updated successfully. Current states:");
      for (const line of table) io.out(line);
      return 0;
    });
  },
};
