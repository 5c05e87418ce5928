import type { Job } from "bullmq";
import type { AppContext } from "../../app/app-context";
import type { LearnerFailure } from "../../errors/learner-failures-error";
import { JobName, QueueName, jobIds } from "../../queues/registry";
import { FailedTaskStore } from "../../services/certificate-generation/failed-task-store";

/** onFinalFailure of the generation jobs: keep the failure like upstream's FailedTask, for reapply-failed-generation. */
export function recordFinalFailure(ctx: AppContext): (job: Job, error: Error) => Promise<void> {
  const store = new FailedTaskStore(ctx.dataSource);
  return async (job, error) => {
    await store.record({ queue: QueueName.CertificateGeneration, taskName: job.name, taskId: job.id ?? "", data: job.data, error, attemptsMade: job.attemptsMade + 1 });
  };
}

/**
 * A chunk's failed learners, each recorded exactly as its own generate-certificate job would have been (that job's
 * name, id and payload), so reapply-failed-generation, the sweeper and the console re-enqueue single-learner jobs.
 */
export async function recordLearnerFailures(store: FailedTaskStore, courseKey: string, failures: LearnerFailure[], attemptsMade: number): Promise<void> {
  for (const { userId, error } of failures) {
    await store.record({
      queue: QueueName.CertificateGeneration,
      taskName: JobName.GenerateCertificate,
      taskId: jobIds.generateCertificate(userId, courseKey),
      data: { userId, courseKey },
      error,
      attemptsMade,
    });
  }
}
