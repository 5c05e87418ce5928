import net from "node:net";
import { expect } from "chai";
import { JobName, QueueName, jobIds } from "../../src/queues/registry";
import { exitOf, spawnCli } from "../support/cli";
import { insertPdfCertificate } from "../support/fixtures";
import { Harness } from "../support/harness";
import { OwnRedis, freePort } from "../support/own-redis";
import { services } from "../support/services";
import { TcpGate } from "../support/tcp-gate";
import { waitFor } from "../support/wait";

/** A TCP server that accepts connections and never answers: a hung service. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe("worker command: bounded start and stop (real child processes)", function () {
  this.timeout(60000);
  let h: Harness;
  const cleanups: Array<() => Promise<unknown> | void> = [];
  beforeEach(async () => {
    h = await Harness.create({ bucket: true });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await h?.close();
  });

  async function timedExit(env: Record<string, string>, args: string[] = ["worker"]) {
    const started = Date.now();
    const child = spawnCli(args, env);
    const { code } = await exitOf(child, 30000);
    return { code, ms: Date.now() - started, out: child.output() };
  }

  /** A PDF certificate with its files, and a gated TCP proxy in front of the shared RGW (open until closed). */
  async function certificateBehindGate() {
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.bucket!.put(keys);
    const rgw = new URL(services.s3Endpoint);
    const gate = new TcpGate(rgw.hostname, Number(rgw.port));
    const endpoint = await gate.listen();
    cleanups.push(() => gate.stop());
    return { certificate, gate, endpoint };
  }

  const unreachable = async () => `127.0.0.1:${await freePort()}`;

  it("exits 1 within STARTUP_TIMEOUT_MS with one line naming Redis, the database or S3 when it is unreachable", async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ["Redis", { REDIS_URL: `redis://${await unreachable()}/0` }, /^openedx-workers worker: Redis at 127\.0\.0\.1:\d+\/0 is unreachable: .*ECONNREFUSED/m],
      ["database", { DATABASE_URL: `mysql://root@${await unreachable()}/edxapp` }, /^openedx-workers worker: database at 127\.0\.0\.1:\d+\/edxapp is unreachable: .*ECONNREFUSED/m],
      ["S3", { S3_ENDPOINT: `http://${await unreachable()}` }, /^openedx-workers worker: S3 is unreachable for bucket \S+: .*ECONNREFUSED/m],
      // S3 answers but refuses the keys: its own code, never the SDK's UnknownError.
      ["S3 (unknown access key)", { AWS_ACCESS_KEY_ID: "no-such-access-key" }, /^openedx-workers worker: S3 refuses access to bucket \S+: InvalidAccessKeyId \(HTTP 403\) \(check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\)$/m],
      ["S3 (wrong secret)", { AWS_SECRET_ACCESS_KEY: "not-the-secret" }, /^openedx-workers worker: S3 refuses access to bucket \S+: SignatureDoesNotMatch \(HTTP 403\)/m],
      ["database (wrong password)", { DATABASE_URL: h.db.url.replace("root@", "root:wrong@") }, /^openedx-workers worker: database at .* refuses the credentials/m],
      ["database (unknown)", { DATABASE_URL: h.db.url.replace(/\/[^/]+$/, "/no_such_db_here") }, /^openedx-workers worker: database at .*\/no_such_db_here has no such database/m],
    ];
    for (const [service, env, line] of cases) {
      const { code, ms, out } = await timedExit(h.env({ STARTUP_TIMEOUT_MS: "3000", ...env }));
      expect(code, `${service}: ${out}`).to.equal(1);
      expect(out, service).to.match(line);
      expect(out, `${service}: no stack trace`).not.to.match(/\n\s+at /);
      expect(ms, service).to.be.below(3000 + 5000);
    }
  });

  it("exits 1 within the bound when Redis or S3 accepts connections but never answers", async () => {
    const silent = await silentServer();
    cleanups.push(silent.close);
    const envs: Array<Record<string, string>> = [{ REDIS_URL: `redis://127.0.0.1:${silent.port}/0` }, { S3_ENDPOINT: `http://127.0.0.1:${silent.port}` }];
    for (const env of envs) {
      const { code, ms, out } = await timedExit(h.env({ STARTUP_TIMEOUT_MS: "1500", REDIS_CONNECT_TIMEOUT_MS: "1000", ...env }));
      expect(code, out).to.equal(1);
      expect(out).to.match(/^openedx-workers worker: (Redis|S3) .*(unreachable|did not finish|timed? ?out)/im);
      expect(ms).to.be.below(1500 + 5000);
    }
  });

  it("SIGTERM while it waits at start on a service that never answers ends the process", async () => {
    const silent = await silentServer();
    cleanups.push(silent.close);
    const child = spawnCli(["worker"], h.env({ REDIS_URL: `redis://127.0.0.1:${silent.port}/0`, STARTUP_TIMEOUT_MS: "60000", REDIS_CONNECT_TIMEOUT_MS: "60000", LOG_LEVEL: "info" }));
    await waitFor("the start checks to begin", async () => child.output().includes("worker starting"));
    await new Promise((r) => setTimeout(r, 500));
    const signalled = Date.now();
    child.kill("SIGTERM");
    const { code } = await exitOf(child, 15000);
    expect(code, child.output()).to.equal(0);
    expect(Date.now() - signalled).to.be.below(8000);
  });

  it("SIGTERM with a job hung in S3 ends the process within WORKER_SHUTDOWN_TIMEOUT_MS plus the margin (the forced close runs)", async () => {
    const { certificate, gate, endpoint } = await certificateBehindGate();
    const child = spawnCli(["worker", "--queues", QueueName.CertificatePurge], h.env({
      S3_ENDPOINT: endpoint, S3_REQUEST_TIMEOUT_MS: "600000", WORKER_SHUTDOWN_TIMEOUT_MS: "1000", LOG_LEVEL: "info",
    }));
    await waitFor("the worker to start", async () => child.output().includes("worker started"));
    gate.close();
    const ctx = await h.context();
    await ctx.queues.add({ name: JobName.PurgePdfCertificate, data: { certificateId: certificate.id }, jobId: jobIds.purgePdfCertificate(certificate.id) });
    await waitFor("the purge to hang inside its S3 call", async () => gate.held > 0);

    const signalled = Date.now();
    child.kill("SIGTERM");
    const { code } = await exitOf(child, 15000);
    expect(Date.now() - signalled, child.output()).to.be.below(1000 + 5000 + 1000);
    expect(code).to.be.a("number");
    expect(child.output()).to.contain("shutdown timeout reached");
    // Nothing was blanked: the files were never deleted.
    const [row] = await h.ds.query("SELECT download_uuid FROM certificates_generatedcertificate WHERE id = ?", [certificate.id]);
    expect(row.download_uuid).to.equal(certificate.downloadUuid);
  });

  it("refuses to start on a Redis whose maxmemory-policy is allkeys-lru, or only warns when told to", async () => {
    const redis = await OwnRedis.start({ args: ["--maxmemory-policy", "allkeys-lru"] });
    cleanups.push(() => redis.stop());
    const refused = await timedExit(h.env({ REDIS_URL: redis.url }));
    expect(refused.code, refused.out).to.equal(1);
    expect(refused.out).to.match(/^openedx-workers worker: Redis at 127\.0\.0\.1:\d+\/0 has maxmemory-policy allkeys-lru: .*noeviction/m);

    const warned = await timedExit(h.env({ REDIS_URL: redis.url, REDIS_MAXMEMORY_POLICY_CHECK: "warn", LOG_LEVEL: "warn" }), ["worker", "--until-idle"]);
    expect(warned.code, warned.out).to.equal(0);
    expect(warned.out).to.contain("maxmemory-policy allkeys-lru");
  });

  it("--until-idle exits 1 naming Redis when Redis goes away while jobs remain", async () => {
    const redis = await OwnRedis.start();
    cleanups.push(() => redis.stop());
    const { certificate, gate, endpoint } = await certificateBehindGate();
    const env = h.env({ REDIS_URL: redis.url, S3_ENDPOINT: endpoint, WORKER_SHUTDOWN_TIMEOUT_MS: "1000", LOG_LEVEL: "info" });
    const child = spawnCli(["worker", "--queues", QueueName.CertificatePurge, "--until-idle"], env);
    await waitFor("the worker to start", async () => child.output().includes("worker started"));
    gate.close();
    const ctx = await h.context({ env: { REDIS_URL: redis.url } });
    await ctx.queues.add({ name: JobName.PurgePdfCertificate, data: { certificateId: certificate.id }, jobId: jobIds.purgePdfCertificate(certificate.id) });
    await waitFor("the purge to hang inside its S3 call", async () => gate.held > 0);

    await redis.kill();
    const { code } = await exitOf(child, 20000);
    expect(code, child.output()).to.equal(1);
    expect(child.output()).to.match(/^openedx-workers worker: Redis at 127\.0\.0\.1:\d+\/0 went away/m);
    expect(child.output()).not.to.contain("MaxRetriesPerRequestError:");
  });
});
