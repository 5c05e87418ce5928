import type { Job } from "bullmq";
import type { AppContext } from "../app/app-context";
import type { JobName, JobPayloads } from "../queues/registry";

/** What a handler reports; stored as the job's return value and logged. Ids and statuses only, never PII. */
export interface JobResult {
  status: "done" | "skipped";
  [detail: string]: unknown;
}

export interface JobDefinition<J extends JobName> {
  handle(job: Job<JobPayloads[J]>): Promise<JobResult>;
  /**
   * Runs in the processor when a job fails for good (a permanent error, or its last attempt), before BullMQ
   * records the failure, so the domain can record the outcome (e.g. a learner goes to ERRORED).
   */
  onFinalFailure?(job: Job<JobPayloads[J]>, error: Error): Promise<void>;
}

export type JobDefinitionFactory<J extends JobName> = (ctx: AppContext) => JobDefinition<J>;
