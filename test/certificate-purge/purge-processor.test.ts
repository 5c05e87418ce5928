import { expect } from "chai";
import { PdfCertificatePurgeRecord } from "../../src/entities/worker";
import { GeneratedCertificate } from "../../src/entities/lms";
import { QueueName, JobName, jobIds } from "../../src/queues/registry";
import { insertPdfCertificate, rawRow } from "../support/fixtures";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";

const TABLE = "certificates_generatedcertificate";

describe("PDF certificate purge processor", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create({ bucket: true });
  });
  afterEach(async () => {
    await h?.close();
  });

  async function enqueue(certificateId: number) {
    const ctx = await h.context();
    await ctx.queues.add({ name: JobName.PurgePdfCertificate, data: { certificateId }, jobId: jobIds.purgePdfCertificate(certificateId) });
    return ctx.queues.queue(QueueName.CertificatePurge);
  }

  async function finished(certificateId: number, state: "completed" | "failed" = "completed") {
    const ctx = await h.context();
    const queue = ctx.queues.queue(QueueName.CertificatePurge);
    return waitFor(`job for certificate ${certificateId} to be ${state}`, async () => {
      const job = await queue.getJob(jobIds.purgePdfCertificate(certificateId));
      // Read the job again once it is there: the first read may predate its failedReason or returnvalue.
      return job && (await job.getState()) === state ? queue.getJob(jobIds.purgePdfCertificate(certificateId)) : undefined;
    });
  }

  it("deletes exactly the 4 objects, keeps neighbours, blanks only the links and records an audit row", async () => {
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    const other = await insertPdfCertificate(h.ds, h.bucket!.name);
    const [d, v] = [certificate.downloadUuid, certificate.verifyUuid];
    // Objects that share a prefix with the certificate's keys but are not its files.
    const neighbours = [
      `downloads/${d}/Certificate.pdf.bak`,
      `downloads/${d}/Other.pdf`,
      `downloads/${d}x/Certificate.pdf`,
      `cert/${v}/valid.html.orig`,
      `cert/${v}/index.html`,
      `cert/${v}0/valid.html`,
      `cert/${v}`,
      `downloads/${d}`,
    ];
    await h.bucket!.put([...keys, ...other.keys, ...neighbours]);
    const before = await rawRow(h.ds, TABLE, certificate.id);

    await h.worker({ queues: [QueueName.CertificatePurge] });
    await enqueue(certificate.id);
    const job = await finished(certificate.id);

    expect(job.returnvalue).to.deep.include({ status: "done", certificateId: certificate.id, deletedKeys: 4 });
    expect(await h.bucket!.keys()).to.deep.equal([...other.keys, ...neighbours].sort());
    const after = await rawRow(h.ds, TABLE, certificate.id);
    expect(after.download_url).to.equal("");
    expect(after.download_uuid).to.equal("");
    expect({ ...after, download_url: undefined, download_uuid: undefined }).to.deep.equal({ ...before, download_url: undefined, download_uuid: undefined });
    expect(after.status).to.equal("downloadable");
    expect(await rawRow(h.ds, TABLE, other.certificate.id)).to.deep.include({ download_uuid: other.certificate.downloadUuid });

    const audit = await h.ds.getRepository(PdfCertificatePurgeRecord).find();
    expect(audit).to.have.length(1);
    expect(audit[0]).to.deep.include({ certificateId: certificate.id, userId: certificate.userId, bucket: h.bucket!.name, jobId: job.id });
    expect(audit[0].deletedKeys).to.deep.equal(keys);
  });

  it("changes nothing on a second run", async () => {
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.bucket!.put(keys);
    await h.worker({ queues: [QueueName.CertificatePurge] });
    const queue = await enqueue(certificate.id);
    await finished(certificate.id);
    const afterFirst = await rawRow(h.ds, TABLE, certificate.id);

    // Once the finished job is gone, the same id can be enqueued again: the run must find nothing to do.
    await (await queue.getJob(jobIds.purgePdfCertificate(certificate.id)))!.remove();
    await h.bucket!.put([`downloads/${certificate.downloadUuid}/Certificate.pdf`]); // would be deleted if re-derived
    await enqueue(certificate.id);
    const second = await finished(certificate.id);

    expect(second.returnvalue).to.deep.include({ status: "skipped", reason: "already-purged" });
    expect(await rawRow(h.ds, TABLE, certificate.id)).to.deep.equal(afterFirst);
    expect(await h.bucket!.keys()).to.deep.equal([`downloads/${certificate.downloadUuid}/Certificate.pdf`]);
    expect(await h.ds.getRepository(PdfCertificatePurgeRecord).count()).to.equal(1);
  });

  it("purges a row whose download_url is empty but download_uuid is set", async () => {
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name, { downloadUrl: "" });
    await h.bucket!.put(keys);
    await h.worker({ queues: [QueueName.CertificatePurge] });
    await enqueue(certificate.id);
    await finished(certificate.id);
    expect(await h.bucket!.keys()).to.deep.equal([]);
    expect(await rawRow(h.ds, TABLE, certificate.id)).to.deep.include({ download_url: "", download_uuid: "" });
  });

  const hostile: Array<[string, (bucket: string, d: string, v: string) => Partial<GeneratedCertificate>]> = [
    ["a URL outside the configured bases", (_b, d) => ({ downloadUrl: `https://evil.example.com/downloads/${d}/Certificate.pdf` })],
    ["a key outside the download prefix", (b, d) => ({ downloadUrl: `https://${b}.s3.amazonaws.com/cert/${d}/Certificate.pdf` })],
    ["a '..' path", (b, _d, v) => ({ downloadUrl: `https://${b}.s3.amazonaws.com/downloads/../cert/${v}/valid.html` })],
    ["a '//' path", (b, d) => ({ downloadUrl: `https://${b}.s3.amazonaws.com/downloads//${d}/Certificate.pdf` })],
    ["a percent-encoded path", (b, d) => ({ downloadUrl: `https://${b}.s3.amazonaws.com/downloads/%2E%2E/${d}/Certificate.pdf` })],
    ["a path uuid that differs from download_uuid", (b, _d, v) => ({ downloadUrl: `https://${b}.s3.amazonaws.com/downloads/${v}/Certificate.pdf` })],
    ["an empty verify_uuid", () => ({ verifyUuid: "" })],
    ["a non-hex verify_uuid", () => ({ verifyUuid: "zz".repeat(16) })],
  ];
  for (const [label, change] of hostile) {
    it(`refuses ${label}: fails permanently, deletes nothing, leaves the row untouched`, async () => {
      const base = await insertPdfCertificate(h.ds, h.bucket!.name);
      const { downloadUuid: d, verifyUuid: v } = base.certificate;
      const { certificate } = await insertPdfCertificate(h.ds, h.bucket!.name, { ...change(h.bucket!.name, d, v) });
      // Put every object the hostile links could point at, plus the certificate's own files.
      await h.bucket!.put([...base.keys, `downloads/${certificate.downloadUuid}/Certificate.pdf`]);
      const objects = await h.bucket!.keys();
      const before = await rawRow(h.ds, TABLE, certificate.id);

      await h.worker({ queues: [QueueName.CertificatePurge] });
      await enqueue(certificate.id);
      const job = await finished(certificate.id, "failed");

      expect(job.failedReason).to.match(new RegExp(`^certificate ${certificate.id}: refusing to purge: `));
      expect(job.attemptsMade).to.equal(1); // permanent: no retries
      expect(await h.bucket!.keys()).to.deep.equal(objects);
      expect(await rawRow(h.ds, TABLE, certificate.id)).to.deep.equal(before);
    });
  }

  it("fails an unknown certificate id permanently with a reason naming it", async () => {
    await h.worker({ queues: [QueueName.CertificatePurge] });
    await enqueue(987654);
    const job = await finished(987654, "failed");
    expect(job.failedReason).to.equal("certificate 987654 does not exist");
    expect(job.attemptsMade).to.equal(1);
  });
});
