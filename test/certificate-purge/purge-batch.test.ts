import { expect } from "chai";
import IORedis from "ioredis";
import { PdfCertificatePurgeRecord } from "../../src/entities/worker";
import { silentLogger } from "../../src/logging/logger";
import { enqueuePurges } from "../../src/producers/pdf-certificate-purge.producer";
import { QueueName } from "../../src/queues/registry";
import { PdfCertificatePurger } from "../../src/services/pdf-certificate-purger";
import { createS3Client } from "../../src/storage/s3";
import { exitOf, spawnCli } from "../support/cli";
import { insertPdfCertificate, rawRow, type PdfCertificateFixture } from "../support/fixtures";
import { Harness } from "../support/harness";
import { countDeletes } from "../support/s3-counting";
import { services } from "../support/services";
import { TcpGate } from "../support/tcp-gate";
import { waitFor } from "../support/wait";

const TABLE = "certificates_generatedcertificate";

async function auditedIds(h: Harness): Promise<number[]> {
  const rows = await h.ds.getRepository(PdfCertificatePurgeRecord).find({ order: { certificateId: "ASC" } });
  return rows.map((r) => r.certificateId);
}

async function expectPurged(h: Harness, fixtures: PdfCertificateFixture[]): Promise<void> {
  for (const f of fixtures) expect(await rawRow(h.ds, TABLE, f.certificate.id), `certificate ${f.certificate.id}`).to.deep.include({ download_url: "", download_uuid: "", status: "downloadable" });
}

describe("PDF certificate purge in batches", function () {
  this.timeout(60000);
  let h: Harness;
  let gate: TcpGate | undefined;
  beforeEach(async () => {
    h = await Harness.create({ bucket: true, env: { JOB_BACKOFF_MS: "100" } });
  });
  afterEach(async () => {
    await gate?.stop();
    gate = undefined;
    await h?.close();
  });

  async function certificates(n: number): Promise<PdfCertificateFixture[]> {
    const out: PdfCertificateFixture[] = [];
    for (let i = 0; i < n; i++) out.push(await insertPdfCertificate(h.ds, h.bucket!.name));
    await h.bucket!.put(out.flatMap((f) => f.keys));
    return out;
  }

  it("enqueues batches of up to 250 in id order with deterministic ids; the same certificates again add nothing", async () => {
    const ctx = await h.context();
    const ids = Array.from({ length: 600 }, (_, i) => 1000 + i);
    expect(await enqueuePurges(ctx.queues, [...ids].reverse())).to.deep.equal({ jobs: 3, certificates: 600 });
    expect(await enqueuePurges(ctx.queues, ids)).to.deep.equal({ jobs: 0, certificates: 0 });
    const jobs = await ctx.queues.queue(QueueName.CertificatePurge).getJobs(["waiting"]);
    const batches = jobs.map((j) => j.data.certificateIds as number[]).sort((a, b) => a[0] - b[0]);
    expect(batches.map((b) => b.length)).to.deep.equal([250, 250, 100]);
    expect(batches.flat()).to.deep.equal(ids);
    expect(jobs.map((j) => j.id).sort()[0]).to.match(/^purge-pdf-certificates\.1000-1249\.250\.[0-9a-f]{12}$/);
  });

  it("a batch with one hostile link purges the others with one DeleteObjects, and fails for good naming only that certificate", async () => {
    const good = await certificates(4);
    const hostile = await insertPdfCertificate(h.ds, h.bucket!.name, { downloadUrl: `https://${h.bucket!.name}.s3.amazonaws.com/downloads/../cert/x/Certificate.pdf` });
    await h.bucket!.put(hostile.keys);
    const hostileRow = await rawRow(h.ds, TABLE, hostile.certificate.id);

    const s3 = createS3Client(h.config());
    const deletes = countDeletes(s3);
    await h.worker({ queues: [QueueName.CertificatePurge], s3 });
    const ctx = await h.context();
    await enqueuePurges(ctx.queues, [...good, hostile].map((f) => f.certificate.id));
    const queue = ctx.queues.queue(QueueName.CertificatePurge);
    const [job] = await waitFor("the batch to fail", async () => {
      const failed = await queue.getJobs(["failed"]);
      return failed.length === 1 ? failed : undefined;
    });

    await expectPurged(h, good);
    expect(await auditedIds(h)).to.deep.equal(good.map((f) => f.certificate.id));
    expect(await h.bucket!.keys()).to.deep.equal([...hostile.keys].sort());
    expect(await rawRow(h.ds, TABLE, hostile.certificate.id)).to.deep.equal(hostileRow);
    expect([...deletes.keys()].sort()).to.deep.equal(good.flatMap((f) => f.keys).sort());
    expect(job.attemptsMade).to.equal(1); // permanent: not retried
    expect(job.failedReason).to.equal(
      `1 of 5 certificates not purged (4 purged or already purged): certificate ${hostile.certificate.id}: refusing to purge: download_url path has a '.' or '..' segment`,
    );
  });

  it("a per-key S3 error leaves that certificate for the retry, which deletes only its keys; neighbours are purged and audited once", async () => {
    const [a, b, c] = await certificates(3);
    const s3 = createS3Client(h.config());
    const failKey = b.keys[0];
    let injected = false;
    // S3 refuses one key (as it does with HTTP 200 and an Errors entry): the key is kept out of the real request.
    s3.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Delete?: { Objects?: Array<{ Key?: string }> } };
        const inject = !injected && (input.Delete?.Objects ?? []).some((o) => o.Key === failKey);
        if (!inject) return next(args);
        injected = true;
        input.Delete!.Objects = input.Delete!.Objects!.filter((o) => o.Key !== failKey);
        const result = await next(args);
        (result.output as { Errors?: unknown[] }).Errors = [{ Key: failKey, Code: "InternalError", Message: "injected" }];
        return result;
      },
      { step: "initialize", name: "failOneKey" },
    );
    const deletes = countDeletes(s3);
    const ctx = await h.context();
    const purger = new PdfCertificatePurger(ctx.dataSource, s3, ctx.config.certificates, silentLogger(), ctx.certificateEvents);
    const ids = [a, b, c].map((f) => f.certificate.id);

    const first = await purger.purgeBatch(ids, { jobId: "batch-1" });
    expect(first.map((o) => o.status)).to.deep.equal(["purged", "retry", "purged"]);
    expect((first[1] as { error: Error }).error.message).to.equal(`certificate ${b.certificate.id}: S3 could not delete 1 of 4 objects in ${h.bucket!.name}: ${failKey}: InternalError`);
    expect(await rawRow(h.ds, TABLE, b.certificate.id)).to.deep.include({ download_url: b.certificate.downloadUrl, download_uuid: b.certificate.downloadUuid });
    expect(await h.bucket!.keys()).to.deep.equal([failKey]);

    deletes.clear();
    const second = await purger.purgeBatch(ids, { jobId: "batch-1" });
    expect(second.map((o) => o.status)).to.deep.equal(["already-purged", "purged", "already-purged"]);
    expect([...deletes.keys()].sort()).to.deep.equal([...b.keys].sort());
    await expectPurged(h, [a, b, c]);
    expect(await auditedIds(h)).to.deep.equal(ids);
    expect(await h.bucket!.keys()).to.deep.equal([]);
  });

  it("a batch re-delivered after a SIGKILL mid-DeleteObjects ends with every certificate purged once and one audit row each", async () => {
    const fixtures = await certificates(6);
    const ids = fixtures.map((f) => f.certificate.id);
    // The worker's S3 traffic goes through a gate that lets DeleteObjects reach RGW but holds its answer: the
    // objects are gone, the worker is still inside the call, the rows are untouched. Then the worker is killed.
    const rgw = new URL(services.s3Endpoint);
    gate = new TcpGate(rgw.hostname, Number(rgw.port), "responses");
    const endpoint = await gate.listen();
    const ctx = await h.context();
    const queue = ctx.queues.queue(QueueName.CertificatePurge);
    const doomed = spawnCli(["worker", "--queues", QueueName.CertificatePurge], h.env({ S3_ENDPOINT: endpoint, LOG_LEVEL: "error" }));
    // The gate stays open while the worker checks S3 at start; it closes before there is anything to purge.
    await waitFor("the worker to be ready", async () => (await queue.getWorkersCount()) > 0, { timeoutMs: 30000 });
    gate.close();
    expect(await enqueuePurges(ctx.queues, ids)).to.deep.equal({ jobs: 1, certificates: 6 });
    const [job] = await queue.getJobs(["waiting", "active"]);

    try {
      await waitFor("DeleteObjects to have run on RGW with its answer held", async () => gate!.held > 0 && (await h.bucket!.keys()).length === 0, { timeoutMs: 30000 });
      expect(await auditedIds(h)).to.deep.equal([]);
      for (const f of fixtures) expect(await rawRow(h.ds, TABLE, f.certificate.id)).to.deep.include({ download_url: f.certificate.downloadUrl });
      doomed.kill("SIGKILL");
      expect((await exitOf(doomed)).signal).to.equal("SIGKILL");
    } finally {
      if (doomed.exitCode === null && doomed.signalCode === null) doomed.kill("SIGKILL");
    }

    // What time does for a dead worker's job (its lock lapses), without waiting 30 s.
    const redis = new IORedis(services.redisUrl);
    await redis.del(`${h.prefix}:${QueueName.CertificatePurge}:${job.id}:lock`, `${h.prefix}:${QueueName.CertificatePurge}:stalled-check`);
    redis.disconnect();
    await h.worker({ queues: [QueueName.CertificatePurge] });
    await waitFor("the re-delivered batch to complete", async () => (await queue.getJob(job.id!))?.finishedOn !== undefined && (await queue.getJob(job.id!))!.returnvalue);

    const done = (await queue.getJob(job.id!))!;
    expect(await done.getState()).to.equal("completed");
    expect(done.returnvalue).to.deep.include({ status: "done", certificates: 6, purged: 6 });
    await expectPurged(h, fixtures);
    expect(await auditedIds(h)).to.deep.equal(ids);
    expect(await h.bucket!.keys()).to.deep.equal([]);
  });
});
