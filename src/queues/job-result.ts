/** What a job handler reports; stored as the job's return value and logged. Ids and statuses only, never PII. */
export interface JobResult {
  status: "done" | "skipped";
  [detail: string]: unknown;
}
