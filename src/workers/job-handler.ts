import type { Job } from "bullmq";
import type { AppContext } from "../app/app-context";
import type { JobName, JobPayloads } from "../queues/registry";

import type { JobResult } from "../queues/job-result";

export type { JobResult };

export interface JobDefinition<J extends JobName> {
  handle(job: Job<JobPayloads[J]>): Promise<JobResult>;
  /**
   * Runs in the processor when a job fails for good (a permanent error, or its last attempt), before BullMQ
   * records the failure, so the domain can record the outcome (e.g. a learner goes to ERRORED).
   */
  onFinalFailure?(job: Job<JobPayloads[J]>, error: Error): Promise<void>;
}

export type JobDefinitionFactory<J extends JobName> = (ctx: AppContext) => JobDefinition<J>;
