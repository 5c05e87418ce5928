import type { Job } from "bullmq";
import type { AppContext } from "../../app/app-context";
import type { LearnerFailure } from "../../errors/learner-failures-error";
import type { Logger } from "../../logging/logger";
import { FailedTaskStore, failedTaskRecordsOf, learnerFailure, type FailedJob } from "../../services/certificate-generation/failed-task-store";

/** Tries of a final failure's rows, and the pauses between them: a database blip of a few seconds is ridden out. */
const WRITE_PAUSES_MS = [250, 1000, 3000];

/**
 * Writes a final failure's failed-task rows, trying again briefly when the database refuses. It never throws: the
 * job must keep failing with its own reason whatever happens here. Rows that still cannot be written are not lost
 * either: the job stays in the queue's failed set, and the stuck-work sweep (StuckWorkSweeper.generation) writes the
 * row of every failed generation job that has none.
 */
export async function writeFailureRows(store: FailedTaskStore, rows: FailedJob[], logger: Logger, jobId: string | undefined): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      for (const row of rows) await store.record(row);
      return;
    } catch (err) {
      if (attempt >= WRITE_PAUSES_MS.length) {
        logger.error("failed-task rows could not be written; the stuck-work sweep writes them from the failed job", { jobId, taskIds: rows.map((r) => r.taskId), error: err });
        return;
      }
      logger.warn("failed-task rows not written yet; trying again", { jobId, attempt: attempt + 1, error: err });
      await new Promise((resolve) => setTimeout(resolve, WRITE_PAUSES_MS[attempt]));
    }
  }
}

/** onFinalFailure of the generation jobs: keep the failure like upstream's FailedTask, for reapply-failed-generation. */
export function recordFinalFailure(ctx: AppContext): (job: Job, error: Error) => Promise<void> {
  const store = new FailedTaskStore(ctx.dataSource);
  return async (job, error) => {
    let rows: FailedJob[] = [];
    try {
      rows = failedTaskRecordsOf({ id: job.id, name: job.name, data: job.data, attemptsMade: job.attemptsMade + 1 }, error);
    } catch (err) {
      ctx.logger.error("failed-task rows could not be built; the stuck-work sweep writes them from the failed job", { jobId: job.id, error: err });
      return;
    }
    await writeFailureRows(store, rows, ctx.logger, job.id);
  };
}

/**
 * A chunk's failed learners, each recorded exactly as its own generate-certificate job would have been (that job's
 * name, id and payload), so reapply-failed-generation, the sweeper and the console re-enqueue single-learner jobs.
 */
export async function recordLearnerFailures(store: FailedTaskStore, courseKey: string, failures: LearnerFailure[], attemptsMade: number): Promise<void> {
  for (const { userId, error } of failures) await store.record(learnerFailure(courseKey, userId, error, attemptsMade));
}
