import { reapplyFailedGeneration } from "../../producers/certificate-generation-reapply.producer";
import { HELP_OPTION, type CommandBody } from "../command";
import { withAppContext } from "../runtime";

export const reapplyFailedGenerationCommand: CommandBody = {
  usage: "openedx-workers reapply-failed-generation [--task-ids JOB_ID…] [--dry-run]",
  details: `Reads the unresolved rows of openedx_workers_failed_task written when a generation job failed for good
(a permanent error, or its last attempt), enqueues each job again under its own id and marks the row resolved
(datetime_resolved), in batches of 500 rows (the rows that exist when it starts). A job that fails again writes a
new unresolved row. Rows whose stored arguments are not a runnable job are reported and left unresolved.`,
  options: {
    "task-ids": { type: "list", aliases: ["--task_ids"], valueName: "JOB_ID", description: "Only these failed jobs (job ids as printed in the table)" },
    "dry-run": { type: "boolean", aliases: ["--dry_run"], description: "List what would be re-enqueued; change nothing" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const taskIds = (options["task-ids"] as string[] | undefined) ?? undefined;
    const dryRun = options["dry-run"] === true;
    return withAppContext(io, [], async (ctx) => {
      const prefix = dryRun ? "[DRY RUN] " : "";
      const summary = await reapplyFailedGeneration(ctx, {
        taskIds,
        dryRun,
        onBatch: (batch) => {
          for (const id of batch.jobIds) io.out(`${prefix}${dryRun ? "would re-enqueue" : "re-enqueued"} ${id}`);
          for (const bad of batch.invalid) io.err(`warning: cannot reapply ${bad.taskId}: ${bad.reason}`);
        },
      });
      io.out(`${prefix}${summary.reapplied} failed generation job(s) ${dryRun ? "would be " : ""}re-enqueued${summary.invalid ? `; ${summary.invalid} left unresolved` : ""}.`);
      return summary.invalid > 0 ? 1 : 0;
    });
  },
};
