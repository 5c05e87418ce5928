import { expect } from "chai";
import { PurgeReferencesToPdfCertificatesCommandConfiguration } from "../../src/entities/lms";
import { QueueName } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { insertPdfCertificate, insertUser, rawRow } from "../support/fixtures";
import { Harness } from "../support/harness";

describe("purge-pdf-certificates (producer CLI)", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create({ bucket: true });
  });
  afterEach(async () => {
    await h?.close();
  });

  const run = (...argv: string[]) => runCliInProcess(["purge-pdf-certificates", ...argv], h.env());
  async function queuedIds(): Promise<number[]> {
    const ctx = await h.context();
    const jobs = await ctx.queues.queue(QueueName.CertificatePurge).getJobs(["waiting", "delayed", "active"]);
    return jobs.flatMap((j) => (j.data.certificateIds as number[] | undefined) ?? [j.data.certificateId as number]).sort((a, b) => a - b);
  }
  async function storeArguments(rows: Array<{ enabled: boolean; arguments: string; changeDate: Date }>) {
    const repo = h.ds.getRepository(PurgeReferencesToPdfCertificatesCommandConfiguration);
    for (const r of rows) await repo.insert({ ...r, changedById: null });
  }

  it("refuses to run without ids, with upstream's message", async () => {
    const result = await run();
    expect(result.code, "a usage error").to.equal(2);
    expect(result.err).to.contain("You must specify one or more certificate IDs");
    expect(await queuedIds()).to.deep.equal([]);
  });

  it("refuses malformed ids and more than one selection", async () => {
    expect((await run("--certificate-ids", "12", "abc")).err).to.contain('invalid certificate id "abc"');
    const both = await run("--certificate-ids", "1", "--all");
    expect(both.code).to.equal(2);
    expect(both.err).to.contain("give only one of");
  });

  it("enqueues the certificates in one batch job; enqueueing them twice adds nothing", async () => {
    const a = await insertPdfCertificate(h.ds, h.bucket!.name);
    const b = await insertPdfCertificate(h.ds, h.bucket!.name);
    const first = await run("--certificate-ids", String(a.certificate.id), String(b.certificate.id));
    expect(first.code).to.equal(0);
    expect(first.out).to.contain(`Purging download_url and download_uri from the following certificate records: [${a.certificate.id}, ${b.certificate.id}]`);
    expect(first.out).to.contain("Enqueued 2 certificate(s) in 1 purge job(s).");
    const second = await run("--certificate_ids", `${a.certificate.id},${b.certificate.id}`);
    expect(second.out).to.contain("Enqueued 0 certificate(s) in 0 purge job(s); 2 already queued");
    expect(await queuedIds()).to.deep.equal([a.certificate.id, b.certificate.id]);
  });

  it("skips unknown ids and certificates without PDF links, saying so", async () => {
    const a = await insertPdfCertificate(h.ds, h.bucket!.name);
    const web = await insertPdfCertificate(h.ds, h.bucket!.name, { downloadUrl: "", downloadUuid: "" });
    const result = await run("--certificate-ids", String(a.certificate.id), "999999", String(web.certificate.id));
    expect(result.code).to.equal(0);
    expect(result.err).to.contain("no certificate with id 999999");
    expect(result.err).to.contain(`certificate(s) ${web.certificate.id} have no PDF links`);
    expect(await queuedIds()).to.deep.equal([a.certificate.id]);
  });

  it("--user-ids enqueues every PDF certificate of those learners only", async () => {
    const learner = await insertUser(h.ds);
    const c1 = await insertPdfCertificate(h.ds, h.bucket!.name, { userId: learner.id });
    const c2 = await insertPdfCertificate(h.ds, h.bucket!.name, { userId: learner.id });
    await insertPdfCertificate(h.ds, h.bucket!.name, { userId: learner.id, downloadUrl: "", downloadUuid: "" });
    await insertPdfCertificate(h.ds, h.bucket!.name); // someone else's
    const result = await run("--user-ids", String(learner.id));
    expect(result.code).to.equal(0);
    expect(await queuedIds()).to.deep.equal([c1.certificate.id, c2.certificate.id]);
  });

  it("--all streams every certificate with a download_url or download_uuid", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await insertPdfCertificate(h.ds, h.bucket!.name)).certificate.id);
    ids.push((await insertPdfCertificate(h.ds, h.bucket!.name, { downloadUrl: "" })).certificate.id); // uuid only
    await insertPdfCertificate(h.ds, h.bucket!.name, { downloadUrl: "", downloadUuid: "" });
    const result = await run("--all");
    expect(result.code).to.equal(0);
    expect(result.err).to.match(/enqueued: 6\/6/);
    expect(result.out).to.contain("Enqueued 6 of 6 PDF certificate(s) in 1 purge job(s).");
    expect(await queuedIds()).to.deep.equal(ids);
  });

  it("--dry-run prints the keys and refusals, enqueues nothing and changes nothing", async () => {
    const good = await insertPdfCertificate(h.ds, h.bucket!.name);
    const bad = await insertPdfCertificate(h.ds, h.bucket!.name, { downloadUrl: "https://evil.example.com/downloads/x/Certificate.pdf" });
    await h.bucket!.put(good.keys);
    const before = [await rawRow(h.ds, "certificates_generatedcertificate", good.certificate.id), await rawRow(h.ds, "certificates_generatedcertificate", bad.certificate.id)];

    const result = await run("--certificate-ids", String(good.certificate.id), String(bad.certificate.id), "--dry-run");

    expect(result.out).to.contain(`[DRY RUN] Purging download_url and download_uri from the following certificate records: [${good.certificate.id}, ${bad.certificate.id}]`);
    expect(result.out).to.contain(`[DRY RUN] certificate ${good.certificate.id}: would delete ${good.keys.join(" ")}`);
    expect(result.out).to.contain(`[DRY RUN] certificate ${bad.certificate.id}: refusing to purge: download_url is not under any`);
    expect(result.code).to.equal(1); // a refusal is worth a non-zero exit in a dry run
    expect(await queuedIds()).to.deep.equal([]);
    expect(await h.bucket!.keys()).to.deep.equal([...good.keys].sort());
    expect(await rawRow(h.ds, "certificates_generatedcertificate", good.certificate.id)).to.deep.equal(before[0]);
    expect(await rawRow(h.ds, "certificates_generatedcertificate", bad.certificate.id)).to.deep.equal(before[1]);
  });

  it("--args-from-database uses the newest row, in upstream's spelling", async () => {
    const a = await insertPdfCertificate(h.ds, h.bucket!.name);
    const b = await insertPdfCertificate(h.ds, h.bucket!.name);
    await storeArguments([
      { enabled: true, arguments: `--certificate_ids ${a.certificate.id}`, changeDate: new Date("2025-01-01T00:00:00Z") },
      { enabled: true, arguments: `--certificate_ids ${a.certificate.id} ${b.certificate.id}`, changeDate: new Date("2025-02-01T00:00:00Z") },
    ]);
    const result = await run("--args-from-database", "--certificate-ids", "424242");
    expect(result.code).to.equal(0);
    expect(await queuedIds()).to.deep.equal([a.certificate.id, b.certificate.id]);
  });

  it("--args-from-database refuses a disabled (or missing) configuration with upstream's message", async () => {
    const missing = await run("--args-from-database");
    expect(missing.code).to.equal(1);
    expect(missing.err).to.contain("PurgeReferencestoPDFCertificatesCommandConfiguration is disabled, but --args-from-database was requested");
    const a = await insertPdfCertificate(h.ds, h.bucket!.name);
    await storeArguments([
      { enabled: true, arguments: `--certificate_ids ${a.certificate.id}`, changeDate: new Date("2025-01-01T00:00:00Z") },
      { enabled: false, arguments: `--certificate_ids ${a.certificate.id}`, changeDate: new Date("2025-03-01T00:00:00Z") },
    ]);
    const disabled = await run("--args-from-database");
    expect(disabled.code).to.equal(1);
    expect(disabled.err).to.contain("is disabled, but --args-from-database was requested");
    expect(await queuedIds()).to.deep.equal([]);
  });

  it("--args-from-database with no ids in the stored arguments gives upstream's error", async () => {
    await storeArguments([{ enabled: true, arguments: "--dry-run", changeDate: new Date() }]);
    const result = await run("--args-from-database");
    expect(result.err).to.contain("You must specify one or more certificate IDs");
  });
});
