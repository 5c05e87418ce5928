import type { DataSource } from "typeorm";
import type { JobRequest, QueueSet } from "../../queues/queue-set";
import { JobName, QueueName, jobIds } from "../../queues/registry";
import { CredentialsOutbox, type PendingCredential } from "./credentials-outbox";

/** Rows read per drain. */
const BATCH = 1000;
/** A row whose job was enqueued this long ago is checked for a job that got lost (a flushed or failed-over Redis). */
const RECHECK_AFTER_MS = 5 * 60_000;
/** Such rows checked per drain. */
const RECHECK_BATCH = 200;

/** Job states in which a job will still read the outbox row before it sends. */
const NOT_STARTED = new Set(["waiting", "delayed", "prioritized", "waiting-children"]);

const request = (r: PendingCredential): JobRequest<JobName.AwardCourseCertificate> => ({
  name: JobName.AwardCourseCertificate,
  data: { userId: r.userId, courseKey: r.courseKey },
  jobId: jobIds.awardCourseCertificate(r.userId, r.courseKey),
});

/**
 * Turns the Credentials outbox into award-course-certificate jobs, one per (learner, course run):
 * - a row with changes no job was enqueued for gets its job (a finished job of the pair, completed or failed, is
 *   removed and run again), unless one is still to start: that one reads the row when it runs, and is noted as
 *   carrying the change. A job already running may have read the row before the change: the row is left to do,
 *   and the next drain enqueues it again once that job has finished;
 * - a row enqueued long ago whose job no longer exists at all, or completed, gets one again. A job that failed for
 *   good keeps its row until `retry-failed` or the next change.
 * Safe to run twice at once: adds are by job id, marks are compare-and-set on the change count.
 */
export class CredentialsDrainer {
  private readonly outbox: CredentialsOutbox;

  constructor(
    ds: DataSource,
    private readonly queues: QueueSet,
  ) {
    this.outbox = new CredentialsOutbox(ds);
  }

  async drain(now = new Date()): Promise<{ enqueued: number; recovered: number }> {
    const rows = await this.outbox.unenqueued(BATCH);
    const states = await this.states(rows);
    const toAdd = rows.filter((_, i) => !NOT_STARTED.has(states[i]) && states[i] !== "active");
    const carried = rows.filter((_, i) => states[i] !== "active");
    await this.queues.addMany(toAdd.map(request), { rerunFinished: true });
    await this.outbox.markEnqueued(carried, now);

    const old = await this.outbox.enqueuedBefore(new Date(now.getTime() - RECHECK_AFTER_MS), RECHECK_BATCH);
    const oldStates = await this.states(old);
    const lost = old.filter((_, i) => oldStates[i] === "unknown" || oldStates[i] === "completed");
    await this.queues.addMany(lost.map(request), { rerunFinished: true });
    await this.outbox.markEnqueued(old, now);
    return { enqueued: toAdd.length, recovered: lost.length };
  }

  private async states(rows: readonly PendingCredential[]): Promise<string[]> {
    const queue = this.queues.queue(QueueName.Credentials);
    return Promise.all(rows.map((r) => queue.getJobState(jobIds.awardCourseCertificate(r.userId, r.courseKey))));
  }
}
