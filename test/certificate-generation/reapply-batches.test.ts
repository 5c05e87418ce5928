import { expect } from "chai";
import { REAPPLY_BATCH, reapplyFailedGeneration } from "../../src/producers/certificate-generation-reapply.producer";
import { JobName, QueueName, jobIds } from "../../src/queues/registry";
import { ConsoleClient, seedUser, startConsole } from "../console/console-fixtures";
import { Harness } from "../support/harness";

const COURSE = "course-v1:Demo+Reapply+2026";

/** `n` unresolved failed generate-certificate rows for user ids from `firstUser`, in one INSERT. */
async function failedRows(h: Harness, n: number, firstUser: number): Promise<void> {
  const values = Array.from({ length: n }, (_, i) => {
    const userId = firstUser + i;
    return [QueueName.CertificateGeneration, JobName.GenerateCertificate, jobIds.generateCertificate(userId, COURSE), JSON.stringify({ userId, courseKey: COURSE }), "PermanentJobError: learner not found", 1];
  });
  await h.ds.query("INSERT INTO openedx_workers_failed_task (queue, task_name, task_id, args, kwargs, exc, attempts_made) VALUES ?", [values.map((v) => [v[0], v[1], v[2], "[]", v[3], v[4], v[5]])]);
}

describe("reapply-failed-generation: a backlog of any size in bounded batches, with a count", function () {
  this.timeout(60000);
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create();
  });
  afterEach(async () => {
    await h?.close();
  });

  it("reapplies 1,234 rows in batches of 500, counting them, keeping a sample of ids; invalid rows counted and left", async () => {
    await failedRows(h, 1234, 10_000);
    await h.ds.query("INSERT INTO openedx_workers_failed_task (queue, task_name, task_id, args, kwargs, exc, attempts_made) VALUES (?, ?, 'broken', '[]', 'not json', 'x', 1)", [QueueName.CertificateGeneration, JobName.GenerateCertificate]);
    const ctx = await h.context();
    const batches: number[] = [];
    const summary = await reapplyFailedGeneration(ctx, { onBatch: (b) => void batches.push(b.jobIds.length + b.invalid.length) });
    expect(REAPPLY_BATCH).to.equal(500);
    expect(batches).to.deep.equal([500, 500, 235]);
    expect(summary).to.deep.include({ reapplied: 1234, invalid: 1, batches: 3 });
    expect(summary.jobIds).to.have.length(100);
    expect(summary.jobIds[0]).to.equal(jobIds.generateCertificate(10_000, COURSE));
    expect(summary.invalidRows).to.deep.equal([{ taskId: "broken", reason: "stored arguments are not JSON" }]);
    const [{ n }] = await h.ds.query("SELECT COUNT(*) AS n FROM openedx_workers_failed_task WHERE datetime_resolved IS NULL");
    expect(Number(n)).to.equal(1);
    expect(await ctx.queues.queue(QueueName.CertificateGeneration).getWaitingCount()).to.equal(1234);
  });

  it("a row failing again during the run is left for the next run (the run stops at the rows that existed when it began)", async () => {
    await failedRows(h, 600, 20_000);
    const ctx = await h.context();
    let added = false;
    const summary = await reapplyFailedGeneration(ctx, {
      // Between the first and the second batch: a job fails again.
      onBatch: async () => {
        if (added) return;
        added = true;
        await failedRows(h, 1, 30_000);
      },
    });
    expect(summary.reapplied).to.equal(600);
    const rest = await h.ds.query("SELECT task_id FROM openedx_workers_failed_task WHERE datetime_resolved IS NULL");
    expect(rest.map((r: { task_id: string }) => r.task_id)).to.deep.equal([jobIds.generateCertificate(30_000, COURSE)]);
  });

  it("the console's Reapply all (confirmed) reapplies every row and says how many", async () => {
    await failedRows(h, 1100, 40_000);
    await seedUser(h.ds, { username: "admin", password: "admin-pw", isSuperuser: true });
    const con = await startConsole(h);
    try {
      const c = new ConsoleClient(con.url);
      await c.signIn("admin", "admin-pw");
      const _csrf = await c.formToken("/generation/failed-tasks");
      const ask = await c.request("POST", "/generation/failed-tasks/reapply", { form: { _csrf }, headers: { accept: "text/html" } });
      expect(await ask.text()).to.include("Reapply 1100 failed generation task(s)?");
      const done = await c.request("POST", "/generation/failed-tasks/reapply", { form: { _csrf, post: "yes" }, headers: { accept: "text/html" } });
      expect(done.status).to.equal(303);
      const page = await (await c.get(done.headers.get("location")!)).text();
      expect(page).to.include("1100 failed generation job(s) re-enqueued");
      const [{ n }] = await h.ds.query("SELECT COUNT(*) AS n FROM openedx_workers_failed_task WHERE datetime_resolved IS NULL");
      expect(Number(n)).to.equal(0);
      expect(await con.ctx.queues.get(QueueName.CertificateGeneration)!.getWaitingCount()).to.equal(1100);
    } finally {
      await con.close();
    }
  });
});
