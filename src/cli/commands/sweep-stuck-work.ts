import { StuckWorkSweeper, describeSweep } from "../../producers/stuck-work.sweeper";
import { parseIntOption } from "../args";
import { HELP_OPTION, type CommandBody } from "../command";
import { withAppContext } from "../runtime";

export const sweepStuckWorkCommand: CommandBody = {
  usage: "openedx-workers sweep-stuck-work [--stuck-after-minutes N]",
  details: `Learners in a working (RETIRING_x) or END (x_COMPLETE) state of the pipeline unchanged for the threshold are
re-enqueued unless a job is waiting, delayed or active for them; unresolved generation failures whose job is gone
from Redis or failed for a reason a new run can fix (stalled out, attempts used up) are reapplied, and those whose
job completed since are resolved; certificates of the newest enabled purge configuration row that still have PDF
links are enqueued unless a live job carries them or theirs was refused for good. Prints the counts. Workers run
the same sweeps on STUCK_JOB_SWEEPER_CRON (nightly by default).`,
  options: {
    "stuck-after-minutes": { type: "string", valueName: "N", description: "Minutes work must be untouched (default STUCK_JOB_AFTER_MINUTES, 30)" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    return withAppContext(io, [], async (ctx) => {
      const minutes = parseIntOption(options["stuck-after-minutes"] as string | undefined, "--stuck-after-minutes", { default: ctx.config.erasure.sweeper.stuckAfterMinutes, min: 0 });
      const sweeper = new StuckWorkSweeper(ctx);
      for (const [what, sweep] of [
        ["learners", () => sweeper.learners(minutes)],
        ["certificate generation", () => sweeper.generation(minutes)],
        ["PDF certificate purges", () => sweeper.purges(minutes)],
      ] as const) {
        io.out(describeSweep(what, await sweep()));
      }
      return 0;
    });
  },
};
