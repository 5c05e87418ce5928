import type { Job } from "bullmq";
import type { AppContext } from "../../app/app-context";
import { QueueName } from "../../queues/registry";
import { FailedTaskStore } from "../../services/certificate-generation/failed-task-store";

/** onFinalFailure of the generation jobs: keep the failure like upstream's FailedTask, for reapply-failed-generation. */
export function recordFinalFailure(ctx: AppContext): (job: Job, error: Error) => Promise<void> {
  const store = new FailedTaskStore(ctx.dataSource);
  return async (job, error) => {
    await store.record({ queue: QueueName.CertificateGeneration, taskName: job.name, taskId: job.id ?? "", data: job.data, error, attemptsMade: job.attemptsMade + 1 });
  };
}
