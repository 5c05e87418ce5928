import net from "node:net";
import { expect } from "chai";
import { PdfCertificatePurgeRecord } from "../../src/entities/worker";
import { silentLogger } from "../../src/logging/logger";
import { QueueName, JobName, jobIds } from "../../src/queues/registry";
import { PdfCertificatePurger } from "../../src/services/pdf-certificate-purger";
import { createS3Client } from "../../src/storage/s3";
import { insertPdfCertificate, rawRow } from "../support/fixtures";
import { Harness } from "../support/harness";
import { countDeletes } from "../support/s3-counting";
import { waitFor } from "../support/wait";

const TABLE = "certificates_generatedcertificate";

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe("PDF certificate purge: failures and concurrency", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create({ bucket: true, env: { JOB_ATTEMPTS: "20", JOB_BACKOFF_MS: "100" } });
  });
  afterEach(async () => {
    await h?.close();
  });

  // The reason names what S3 said (its error code), or the network failure: never the SDK's UnknownError.
  const s3Failures: Array<[string, () => Promise<Record<string, string>>, RegExp]> = [
    ["a wrong credential", async () => ({ AWS_SECRET_ACCESS_KEY: "not-the-secret" }), /failed: SignatureDoesNotMatch \(HTTP 403\)/],
    ["the S3 server being unreachable", async () => ({ S3_ENDPOINT: `http://127.0.0.1:${await closedPort()}` }), /failed: .*ECONNREFUSED/],
  ];
  for (const [label, badEnv, reason] of s3Failures) {
    it(`leaves the row and objects intact on ${label}, and a later retry completes`, async () => {
      const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
      await h.bucket!.put(keys);
      const before = await rawRow(h.ds, TABLE, certificate.id);

      const broken = await h.worker({ queues: [QueueName.CertificatePurge], env: await badEnv() });
      const ctx = await h.context();
      const queue = ctx.queues.queue(QueueName.CertificatePurge);
      const jobId = jobIds.purgePdfCertificate(certificate.id);
      await ctx.queues.add({ name: JobName.PurgePdfCertificate, data: { certificateId: certificate.id }, jobId });
      const failedOnce = await waitFor("a failed attempt", async () => {
        const job = await queue.getJob(jobId);
        return job && job.attemptsMade >= 1 ? job : undefined;
      });
      await broken.host.close(5000);

      expect(failedOnce.failedReason).to.match(/^S3 DeleteObjects on bucket .* failed: /).and.match(reason).and.not.contain("UnknownError");
      expect(["delayed", "waiting"]).to.include(await failedOnce.getState()); // retrying, not given up
      expect(await rawRow(h.ds, TABLE, certificate.id)).to.deep.equal(before);
      expect(await h.bucket!.keys()).to.deep.equal([...keys].sort());

      await h.worker({ queues: [QueueName.CertificatePurge] });
      await waitFor("the retry to complete", async () => (await (await queue.getJob(jobId))?.getState()) === "completed");
      expect(await h.bucket!.keys()).to.deep.equal([]);
      expect(await rawRow(h.ds, TABLE, certificate.id)).to.deep.include({ download_url: "", download_uuid: "", status: "downloadable" });
    });
  }

  it("two workers on the same certificates delete each object and update each row once", async () => {
    const fixtures = [];
    for (let i = 0; i < 30; i++) fixtures.push(await insertPdfCertificate(h.ds, h.bucket!.name));
    await h.bucket!.put(fixtures.flatMap((f) => f.keys));

    const clients = [createS3Client(h.config()), createS3Client(h.config())];
    const counts = clients.map(countDeletes);
    await h.worker({ queues: [QueueName.CertificatePurge], s3: clients[0], concurrency: 5 });
    await h.worker({ queues: [QueueName.CertificatePurge], s3: clients[1], concurrency: 5 });

    // Two producers enqueue the same certificates at once; deterministic ids collapse them to one job each.
    const producers = [await h.context(), await h.context()];
    const requests = fixtures.map((f) => ({
      name: JobName.PurgePdfCertificate as const,
      data: { certificateId: f.certificate.id },
      jobId: jobIds.purgePdfCertificate(f.certificate.id),
    }));
    await Promise.all(producers.map((p) => p.queues.addMany(requests)));

    const queue = producers[0].queues.queue(QueueName.CertificatePurge);
    await waitFor("every job to complete", async () => (await queue.getJobCounts("completed")).completed === fixtures.length);

    expect(await h.bucket!.keys()).to.deep.equal([]);
    const merged = new Map<string, number>();
    for (const c of counts) for (const [k, n] of c) merged.set(k, (merged.get(k) ?? 0) + n);
    for (const key of fixtures.flatMap((f) => f.keys)) expect(merged.get(key), key).to.equal(1);
    expect(merged.size).to.equal(fixtures.length * 4);
    const audits = await h.ds.getRepository(PdfCertificatePurgeRecord).find();
    expect(audits.map((a) => a.certificateId).sort((a, b) => a - b)).to.deep.equal(fixtures.map((f) => f.certificate.id));
    expect(await queue.getJobCounts("failed")).to.deep.equal({ failed: 0 });
  });

  it("a purge re-delivered while the first run is still going updates the row and audits it once", async () => {
    // Simulates a stalled job handed to a second worker while the first is alive: both run the processor body.
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.bucket!.put(keys);
    const ctx = await h.context();
    const purgers = [0, 1].map(() => new PdfCertificatePurger(ctx.dataSource, createS3Client(h.config()), ctx.config.certificates, silentLogger(), ctx.certificateEvents));
    const outcomes = await Promise.all(purgers.map((p, i) => p.purge(certificate.id, { jobId: `job-${i}` })));

    expect(outcomes.map((o) => o.status).sort()).to.deep.equal(["already-purged", "purged"]);
    expect(await h.ds.getRepository(PdfCertificatePurgeRecord).count()).to.equal(1);
    expect(await h.bucket!.keys()).to.deep.equal([]);
    expect(await rawRow(h.ds, TABLE, certificate.id)).to.deep.include({ download_url: "", download_uuid: "" });
  });

  it("does not blank links that changed after they were read; the retry purges the new files", async () => {
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    const ctx = await h.context();
    const s3 = createS3Client(h.config());
    const newUuid = "a".repeat(32);
    const newUrl = `https://${h.bucket!.name}.s3.amazonaws.com/downloads/${newUuid}/Certificate.pdf`;
    // Change the links while the first purge is inside its S3 call (after the read, before the compare-and-set).
    s3.middlewareStack.add(
      (next) => async (args) => {
        await ctx.dataSource.query(`UPDATE ${TABLE} SET download_url = ?, download_uuid = ? WHERE id = ?`, [newUrl, newUuid, certificate.id]);
        return next(args);
      },
      { step: "initialize", name: "changeLinksMidway" },
    );
    await h.bucket!.put([...keys, `downloads/${newUuid}/Certificate.pdf`]);
    const purger = new PdfCertificatePurger(ctx.dataSource, s3, ctx.config.certificates, silentLogger(), ctx.certificateEvents);

    let error: Error | undefined;
    await purger.purge(certificate.id, { jobId: "j1" }).catch((e: Error) => (error = e));
    expect(error?.message).to.equal(`certificate ${certificate.id}: links changed while purging; will retry`);
    expect(await rawRow(h.ds, TABLE, certificate.id)).to.deep.include({ download_url: newUrl, download_uuid: newUuid });
    expect(await h.bucket!.keys()).to.deep.equal([`downloads/${newUuid}/Certificate.pdf`]);
  });
});
