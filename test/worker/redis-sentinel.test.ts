import { expect } from "chai";
import IORedis from "ioredis";
import { QueueName } from "../../src/queues/registry";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { insertPdfCertificate, rawRow } from "../support/fixtures";
import { Harness } from "../support/harness";
import { OwnRedis, OwnSentinel } from "../support/own-redis";

describe("Redis as operators run it: Sentinel", function () {
  this.timeout(60000);
  let h: Harness;
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await h?.close();
  });

  it("a Sentinel pair: the producer and the worker find the master through the sentinels and run the purge end to end", async () => {
    const master = await OwnRedis.start({ aof: true });
    cleanups.push(() => master.stop());
    const sentinels = [await OwnSentinel.start(master.port), await OwnSentinel.start(master.port)];
    for (const s of sentinels) cleanups.push(() => s.stop());

    h = await Harness.create({ bucket: true });
    const fixtures = [];
    for (let i = 0; i < 3; i++) fixtures.push(await insertPdfCertificate(h.ds, h.bucket!.name));
    await h.bucket!.put(fixtures.flatMap((f) => f.keys));
    // REDIS_URL's host points nowhere: only the sentinels can lead to the master.
    const env = h.env({
      REDIS_URL: "redis://127.0.0.1:1/0",
      REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(","),
      REDIS_SENTINEL_MASTER: "mymaster",
    });

    const produced = await runCliInProcess(["purge-pdf-certificates", "--certificate-ids", fixtures.map((f) => f.certificate.id).join(",")], env);
    expect(produced.code, produced.err).to.equal(0);
    expect(produced.out).to.contain("Enqueued 3 certificate(s)");
    const direct = new IORedis({ port: master.port, host: "127.0.0.1" });
    cleanups.push(async () => direct.disconnect());
    expect(await direct.llen(`${h.prefix}:${QueueName.CertificatePurge}:wait`), "the jobs are on the master").to.be.greaterThan(0);

    const child = spawnCli(["worker", "--queues", QueueName.CertificatePurge, "--until-idle"], env);
    expect((await exitOf(child, 30000)).code, child.output()).to.equal(0);
    for (const f of fixtures) expect(await rawRow(h.ds, "certificates_generatedcertificate", f.certificate.id)).to.deep.include({ download_url: "", download_uuid: "" });
    expect(await h.bucket!.keys()).to.deep.equal([]);
    const queues = await runCliInProcess(["queues", "--queues", QueueName.CertificatePurge, "--json"], env);
    const counts = JSON.parse(queues.out)[QueueName.CertificatePurge];
    expect(counts).to.deep.include({ failed: 0, waiting: 0, active: 0 });
    expect(counts.completed).to.be.greaterThan(0);
  });
});
