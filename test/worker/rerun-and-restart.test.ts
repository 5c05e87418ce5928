import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { enqueuePurges } from "../../src/producers/pdf-certificate-purge.producer";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { insertPdfCertificate, rawRow } from "../support/fixtures";
import { Harness } from "../support/harness";
import { OwnRedis } from "../support/own-redis";
import { TcpGate } from "../support/tcp-gate";
import { waitFor } from "../support/wait";
import { RETIREMENT_ENV } from "../retirement/retirement-fixtures";

describe("worker: re-running failed jobs, and schedules across Redis restarts", function () {
  this.timeout(90000);
  let h: Harness;
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await h?.close();
  });

  it("purge jobs failed for good by a database outage longer than their retry window are re-run by the producer and by retry-failed, each effect once", async () => {
    h = await Harness.create({ bucket: true, env: { JOB_ATTEMPTS: "2", JOB_BACKOFF_MS: "100" } });
    const fixtures = [];
    for (let i = 0; i < 3; i++) fixtures.push(await insertPdfCertificate(h.ds, h.bucket!.name));
    await h.bucket!.put(fixtures.flatMap((f) => f.keys));
    const ids = fixtures.map((f) => f.certificate.id);

    // The worker reaches the database through a proxy the test can take down.
    const db = new URL(h.db.url);
    const proxy = new TcpGate(db.hostname, Number(db.port || 3306));
    await proxy.listen();
    cleanups.push(() => proxy.stop());
    const proxiedUrl = h.db.url.replace(`@${db.host}/`, `@127.0.0.1:${proxy.listenPort}/`);
    await h.worker({ queues: [QueueName.CertificatePurge], env: { DATABASE_URL: proxiedUrl } });

    await proxy.refuse();
    const ctx = await h.context();
    const queue = ctx.queues.queue(QueueName.CertificatePurge);
    // Two certificates in one batch job, the third alone (its per-certificate job).
    expect(await enqueuePurges(ctx.queues, ids.slice(0, 2))).to.deep.equal({ jobs: 1, certificates: 2 });
    expect(await enqueuePurges(ctx.queues, ids.slice(2))).to.deep.equal({ jobs: 1, certificates: 1 });
    await waitFor("every job failed for good", async () => (await queue.getFailedCount()) === 2, { timeoutMs: 30000 });
    for (const f of fixtures) expect(await rawRow(h.ds, "certificates_generatedcertificate", f.certificate.id)).to.deep.include({ download_uuid: f.certificate.downloadUuid });
    expect(await h.bucket!.keys()).to.have.length(12);

    await proxy.accept();
    const byProducer = await runCliInProcess(["purge-pdf-certificates", "--certificate-ids", ids.slice(0, 2).join(",")], h.env());
    expect(byProducer.code, byProducer.err).to.equal(0);
    expect(byProducer.out).to.contain("Enqueued 2 certificate(s) in 1 purge job(s).").and.not.contain("already queued");
    await waitFor("the producer's re-run to complete", async () => (await queue.getCompletedCount()) === 1, { timeoutMs: 30000 });

    const dry = await runCliInProcess(["retry-failed", "--queues", QueueName.CertificatePurge, "--dry-run"], h.env());
    expect(dry.out).to.contain("certificate-purge: 1 failed job(s)").and.contain("nothing changed");
    expect(await queue.getFailedCount()).to.equal(1);
    const retried = await runCliInProcess(["retry-failed", "--queues", QueueName.CertificatePurge], h.env());
    expect(retried.code, retried.err).to.equal(0);
    expect(retried.out).to.contain("certificate-purge: 1 failed job(s) re-enqueued").and.contain("Re-enqueued 1 failed job(s).");
    await waitFor("every job completed", async () => (await queue.getCompletedCount()) === 2, { timeoutMs: 30000 });
    expect((await queue.getJob(`purge-pdf-certificate.${ids[2]}`))!.attemptsMade, "a re-run gets its full retry budget back").to.equal(1);

    expect(await h.bucket!.keys()).to.deep.equal([]);
    const audit = await h.ds.query("SELECT certificate_id FROM openedx_workers_pdf_certificate_purge ORDER BY certificate_id");
    expect(audit.map((r: { certificate_id: number }) => r.certificate_id), "each certificate purged exactly once").to.deep.equal([...ids].sort((a, b) => a - b));
  });

  it("a scheduled run fires after a Redis restart: with AOF the scheduler survives, without it the worker re-creates it", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    for (const aof of [true, false]) {
      const redis = await OwnRedis.start({ aof });
      cleanups.push(() => redis.stop());
      const env = h.env({ REDIS_URL: redis.url, RETIREMENT_SCHEDULE_CRON: "* * * * * *", SCHEDULE_CHECK_INTERVAL_MS: "500", LOG_LEVEL: "info" });
      expect((await runCliInProcess(["populate-retirement-states"], env)).code).to.equal(0);
      const child = spawnCli(["worker", "--queues", QueueName.LearnerRetirement], env);
      cleanups.push(async () => {
        child.kill("SIGKILL");
        await exitOf(child).catch(() => undefined);
      });
      const ctx = await h.context({ env: { REDIS_URL: redis.url } });
      const queue = ctx.queues.queue(QueueName.LearnerRetirement);
      await waitFor("a scheduled run", async () => (await queue.getCompletedCount()) >= 1, { timeoutMs: 20000 });
      if (aof) await new Promise((r) => setTimeout(r, 1100)); // appendfsync everysec
      const before = aof ? await queue.getCompletedCount() : 0;

      // Down for 3 s: long enough that a connection which gives up after a few reconnects would stay dead.
      await redis.kill();
      await new Promise((r) => setTimeout(r, 3000));
      await redis.up();
      const after = (await h.context({ env: { REDIS_URL: redis.url } })).queues.queue(QueueName.LearnerRetirement); // the test's own connection gave up
      await waitFor(`a scheduled run after the restart (${aof ? "AOF" : "no persistence"})`, async () => (await after.getCompletedCount()) > before, { timeoutMs: 30000 });
      if (!aof) expect(child.output()).to.contain("job schedule was missing from Redis; re-created");
      expect(child.output()).not.to.contain("Connection is closed");
      child.kill("SIGTERM");
      expect((await exitOf(child, 15000)).code, child.output()).to.equal(0);
    }
  });
});
