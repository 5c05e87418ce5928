import { expect } from "chai";
import { QueueName, JobName, jobIds } from "../../src/queues/registry";
import { exitOf, spawnCli } from "../support/cli";
import { insertPdfCertificate, rawRow } from "../support/fixtures";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { TcpGate } from "../support/tcp-gate";
import { waitFor } from "../support/wait";

describe("worker command: --until-idle and SIGTERM (real child processes)", () => {
  let h: Harness;
  let gate: TcpGate | undefined;
  beforeEach(async () => {
    h = await Harness.create({ bucket: true });
  });
  afterEach(async () => {
    await gate?.stop();
    gate = undefined;
    await h?.close();
  });

  async function enqueue(certificateIds: number[]) {
    const ctx = await h.context();
    await ctx.queues.addMany(certificateIds.map((certificateId) => ({
      name: JobName.PurgePdfCertificate, data: { certificateId }, jobId: jobIds.purgePdfCertificate(certificateId),
    })));
    return ctx.queues.queue(QueueName.CertificatePurge);
  }

  it("--until-idle processes everything, then exits 0", async () => {
    const fixtures = [];
    for (let i = 0; i < 5; i++) fixtures.push(await insertPdfCertificate(h.ds, h.bucket!.name));
    await h.bucket!.put(fixtures.flatMap((f) => f.keys));
    const queue = await enqueue(fixtures.map((f) => f.certificate.id));

    // The nightly sweeper off: its scheduler's next run would be the one delayed job counted below.
    const child = spawnCli(["worker", "--queues", "certificate-purge", "--until-idle", "--concurrency", "2"], h.env({ STUCK_JOB_SWEEPER_CRON: "off" }));
    const { code } = await exitOf(child);

    expect(code, child.output()).to.equal(0);
    expect(await queue.getJobCounts("completed", "waiting", "active", "delayed")).to.deep.equal({ completed: 5, waiting: 0, active: 0, delayed: 0 });
    expect(await h.bucket!.keys()).to.deep.equal([]);
  });

  it("--until-idle on empty queues exits 0 at once", async () => {
    const child = spawnCli(["worker", "--until-idle"], h.env());
    expect((await exitOf(child)).code, child.output()).to.equal(0);
  });

  it("--until-idle waits for a job that is backing off after a failure", async () => {
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.bucket!.put(keys);
    // The first attempt times out against a hung S3 (S3_REQUEST_TIMEOUT_MS), leaving the job delayed; a second
    // worker with --until-idle must not exit while it is.
    const rgw = new URL(services.s3Endpoint);
    gate = new TcpGate(rgw.hostname, Number(rgw.port));
    const endpoint = await gate.listen();
    const broken = spawnCli(["worker", "--until-idle"], h.env({ S3_ENDPOINT: endpoint, S3_REQUEST_TIMEOUT_MS: "500", JOB_BACKOFF_MS: "1500", LOG_LEVEL: "info" }));
    await waitFor("the worker to start", async () => broken.output().includes("worker started"));
    gate.close();
    const queue = await enqueue([certificate.id]);
    await waitFor("a failed first attempt", async () => ((await queue.getJob(jobIds.purgePdfCertificate(certificate.id)))?.attemptsMade ?? 0) >= 1);
    expect(broken.output()).to.match(/timed? ?out|Timeout/i);
    broken.kill("SIGTERM");
    await exitOf(broken);
    gate.release();

    const child = spawnCli(["worker", "--until-idle"], h.env());
    expect((await exitOf(child)).code, child.output()).to.equal(0);
    const job = await queue.getJob(jobIds.purgePdfCertificate(certificate.id));
    expect(await job!.getState()).to.equal("completed");
    expect(await h.bucket!.keys()).to.deep.equal([]);
  });

  it("on SIGTERM stops taking jobs, finishes the in-flight one, and exits 0", async () => {
    const first = await insertPdfCertificate(h.ds, h.bucket!.name);
    const second = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.bucket!.put([...first.keys, ...second.keys]);
    const rgw = new URL(services.s3Endpoint);
    gate = new TcpGate(rgw.hostname, Number(rgw.port));
    const endpoint = await gate.listen();

    const child = spawnCli(["worker", "--queues", "certificate-purge", "--concurrency", "1"], h.env({ S3_ENDPOINT: endpoint, LOG_LEVEL: "info" }));
    await waitFor("the worker to start", async () => child.output().includes("worker started"));
    gate.close();
    const queue = await enqueue([first.certificate.id]);
    await waitFor("the purge to be inside its S3 call", async () => gate!.held > 0);
    await enqueue([second.certificate.id]);

    child.kill("SIGTERM");
    await waitFor("the worker to begin shutting down", async () => child.output().includes("shutting down"));
    gate.release();
    const { code } = await exitOf(child);

    expect(code, child.output()).to.equal(0);
    expect(await (await queue.getJob(jobIds.purgePdfCertificate(first.certificate.id)))!.getState()).to.equal("completed");
    expect(await rawRow(h.ds, "certificates_generatedcertificate", first.certificate.id)).to.deep.include({ download_url: "", download_uuid: "" });
    // The job that arrived after SIGTERM was not taken: still waiting for the next worker, row untouched.
    expect(await (await queue.getJob(jobIds.purgePdfCertificate(second.certificate.id)))!.getState()).to.equal("waiting");
    expect(await rawRow(h.ds, "certificates_generatedcertificate", second.certificate.id)).to.deep.include({ download_uuid: second.certificate.downloadUuid });
    expect(child.output()).to.contain("worker stopped");
  });

  it("exits 2 listing every configuration problem", async () => {
    const child = spawnCli(["worker"], {
      ...h.env(),
      DATABASE_URL: "postgres://nope",
      REDIS_URL: "not a url",
      WORKER_CONCURRENCY: "0",
      LOG_FORMAT: "xml",
      S3_FORCE_PATH_STYLE: "maybe",
      CERTIFICATES_BUCKET: "Bad_Bucket",
      CERTIFICATES_DOWNLOAD_URL_BASES: "ftp://x",
    });
    const { code } = await exitOf(child);
    const out = child.output();
    expect(code, out).to.equal(2);
    expect(out).to.contain("Invalid configuration:");
    for (const name of ["DATABASE_URL", "REDIS_URL", "WORKER_CONCURRENCY", "LOG_FORMAT", "S3_FORCE_PATH_STYLE", "CERTIFICATES_BUCKET", "CERTIFICATES_DOWNLOAD_URL_BASES"]) {
      expect(out).to.match(new RegExp(`  - ${name}: `), name);
    }
  });

  it("exits 2 when a queue's required variable is missing", async () => {
    const env = { ...h.env(), CERTIFICATES_BUCKET: "" };
    const missing = spawnCli(["worker", "--queues", "certificate-purge"], env);
    expect((await exitOf(missing)).code).to.equal(2);
    expect(missing.output()).to.contain("CERTIFICATES_BUCKET: is required for this command");
  });
});
