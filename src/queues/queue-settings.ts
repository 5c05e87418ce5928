import { QueueName } from "./registry";

/**
 * Stalled-job policy per queue, chosen from what one job does (docs/operating-under-faults.md "Stalled and lost jobs"):
 * - `lockDuration`: a live worker renews the lock every lockDuration/2, so this only bounds how long a job whose
 *   worker died (SIGKILL, OOM, lost host) or whose event loop is blocked stays "active" before it is seen as
 *   stalled. It must exceed the longest event-loop stall, not the longest job.
 * - `stalledInterval`: how often each worker looks for such jobs. A dead worker's job is re-run after at most
 *   lockDuration + stalledInterval.
 * - `maxStalledCount`: how many times a job may be re-run after stalling before it fails for good ("job stalled
 *   more than allowable limit", then the same final-failure handling as any failure). Every processor is
 *   idempotent, so re-running is safe; the limit only stops a job that kills its worker every time (a poison job).
 *
 * Measured on the development machine (bench/ and the fault suite): a purge is one DeleteObjects plus one short
 * transaction (p99 well under 1 s, bounded by S3_REQUEST_TIMEOUT_MS); a generation job a few queries; a retirement
 * step a few statements or one HTTP call (bounded by its timeout). None blocks the event loop, so 30 s locks are
 * ample; three re-runs after a crash tolerate a worker killed twice in a row (rolling restarts, OOM) without
 * losing the job.
 */
interface QueueStallSettings {
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
}

const QUEUE_STALL_SETTINGS: Record<QueueName, QueueStallSettings> = {
  [QueueName.CertificatePurge]: { lockDuration: 30_000, stalledInterval: 15_000, maxStalledCount: 3 },
  [QueueName.CertificateGeneration]: { lockDuration: 30_000, stalledInterval: 15_000, maxStalledCount: 3 },
  // A chunk is a few bulk statements over at most ORGANIZATIONS_BACKFILL_CHUNK_SIZE course runs.
  [QueueName.Organizations]: { lockDuration: 30_000, stalledInterval: 15_000, maxStalledCount: 3 },
  // Retirement steps may call other services over HTTP (bounded by their own timeouts): a longer lock.
  [QueueName.LearnerRetirement]: { lockDuration: 60_000, stalledInterval: 30_000, maxStalledCount: 3 },
  // A drain is at most 50 pipelined XADD batches (each bounded by a 5 s command timeout); a stalled drain is simply
  // superseded by the next scheduled run, so stalls need no patience.
  [QueueName.CertificateEvents]: { lockDuration: 30_000, stalledInterval: 15_000, maxStalledCount: 3 },
  // A send is a few reads and one HTTP call (plus at most one token request), each bounded by CREDENTIALS_REQUEST_TIMEOUT_MS.
  [QueueName.Credentials]: { lockDuration: 60_000, stalledInterval: 30_000, maxStalledCount: 3 },
};

/** A queue's policy with the operator's overrides (WORKER_LOCK_DURATION_MS, WORKER_STALLED_INTERVAL_MS, WORKER_MAX_STALLED_COUNT). */
export function stallSettings(queue: QueueName, overrides: { lockDurationMs?: number; stalledIntervalMs?: number; maxStalledCount?: number }): QueueStallSettings {
  const own = QUEUE_STALL_SETTINGS[queue];
  return {
    lockDuration: overrides.lockDurationMs ?? own.lockDuration,
    stalledInterval: overrides.stalledIntervalMs ?? own.stalledInterval,
    maxStalledCount: overrides.maxStalledCount ?? own.maxStalledCount,
  };
}
