import { PassThrough } from "node:stream";
import { expect } from "chai";
import { createLogger, type Logger } from "../../src/logging/logger";
import { StuckWorkSweeper } from "../../src/producers/stuck-work.sweeper";
import { JobName, QueueName, jobIds } from "../../src/queues/registry";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";

const TABLE = "openedx_workers_failed_task";

/** A logger whose JSON lines land in `lines`. */
function capturingLogger(h: Harness, lines: string[]): Logger {
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
  return createLogger(h.config({ LOG_LEVEL: "debug", LOG_FORMAT: "json" }), stream);
}

/**
 * Issue 22: a failure inside generation's final-failure handler must not lose the failed-task row. The fault is
 * real: the table the handler writes is renamed away while the job fails for good.
 */
describe("certificate generation: the final-failure handler never loses the failed-task row", function () {
  this.timeout(60000);
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.create();
  });
  afterEach(async () => {
    await h.ds.query(`RENAME TABLE ${TABLE}_away TO ${TABLE}`).catch(() => undefined);
    await h?.close();
  });

  /** A learner who is not in auth_user (deleted after the job was enqueued): the job is refused for good at once. */
  async function vanishedLearnerJob(): Promise<{ jobId: string; userId: number; courseKey: string }> {
    const courseKey = "course-v1:Owt+Vanished+2026";
    const userId = 987_654;
    const ctx = await h.context();
    const jobId = jobIds.generateCertificate(userId, courseKey);
    await ctx.queues.add({ name: JobName.GenerateCertificate, data: { userId, courseKey }, jobId });
    return { jobId, userId, courseKey };
  }

  it("the table gone for good: the job still fails with its own reason, and the stuck-work sweep writes the row from it", async () => {
    const { jobId, userId, courseKey } = await vanishedLearnerJob();
    await h.ds.query(`RENAME TABLE ${TABLE} TO ${TABLE}_away`);
    const lines: string[] = [];
    const { ctx } = await h.worker({ queues: [QueueName.CertificateGeneration], logger: capturingLogger(h, lines) });
    const queue = ctx.queues.queue(QueueName.CertificateGeneration);
    const job = await waitFor("the job to fail for good", async () => {
      const j = await queue.getJob(jobId);
      return (await j?.getState()) === "failed" && j;
    }, { timeoutMs: 20000 });
    // Its own reason, not the handler's database error.
    expect(job.failedReason).to.not.match(/doesn't exist|ER_NO_SUCH_TABLE/i);
    const reason = job.failedReason;
    expect(lines.some((l) => l.includes("failed-task rows could not be written; the stuck-work sweep writes them from the failed job"))).to.equal(true);
    expect(lines.filter((l) => l.includes("failed-task rows not written yet; trying again"))).to.have.length(3);

    await h.ds.query(`RENAME TABLE ${TABLE}_away TO ${TABLE}`);
    expect(await h.ds.query(`SELECT * FROM ${TABLE}`)).to.deep.equal([]);
    const counts = await new StuckWorkSweeper(ctx).generation(0);
    expect(counts.recorded).to.equal(1);
    const rows = await h.ds.query(`SELECT task_name, task_id, kwargs, exc, datetime_resolved FROM ${TABLE}`);
    expect(rows).to.have.length(1);
    expect(rows[0]).to.deep.include({ task_name: JobName.GenerateCertificate, task_id: jobId, datetime_resolved: null });
    expect(JSON.parse(rows[0].kwargs)).to.deep.equal({ userId, courseKey });
    expect(rows[0].exc).to.equal(`FailedJob: ${reason}`.slice(0, 255));
    // A second sweep writes nothing more: the failure is recorded.
    expect((await new StuckWorkSweeper(ctx).generation(0)).recorded).to.equal(undefined);
    expect(await h.ds.query(`SELECT id FROM ${TABLE}`)).to.have.length(1);
  });

  it("a brief outage: the handler tries again and writes the row itself, with the job's own error", async () => {
    const { jobId } = await vanishedLearnerJob();
    await h.ds.query(`RENAME TABLE ${TABLE} TO ${TABLE}_away`);
    const lines: string[] = [];
    const { ctx } = await h.worker({ queues: [QueueName.CertificateGeneration], logger: capturingLogger(h, lines) });
    await waitFor("a refused write", async () => lines.some((l) => l.includes("failed-task rows not written yet; trying again")), { timeoutMs: 20000 });
    await h.ds.query(`RENAME TABLE ${TABLE}_away TO ${TABLE}`);
    const [row] = await waitFor("the row", async () => {
      const rows = await h.ds.query(`SELECT task_id, exc FROM ${TABLE}`);
      return rows.length > 0 && rows;
    }, { timeoutMs: 20000 });
    expect(row.task_id).to.equal(jobId);
    expect(row.exc).to.not.match(/^FailedJob:|doesn't exist/);
    const queue = ctx.queues.queue(QueueName.CertificateGeneration);
    await waitFor("the job to fail for good", async () => (await (await queue.getJob(jobId))?.getState()) === "failed", { timeoutMs: 20000 });
    expect(lines.some((l) => l.includes("failed-task rows could not be written"))).to.equal(false);
    // The sweep finds nothing missing.
    expect((await new StuckWorkSweeper(ctx).generation(0)).recorded).to.equal(undefined);
  });
});
