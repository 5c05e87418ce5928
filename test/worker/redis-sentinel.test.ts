import { expect } from "chai";
import IORedis from "ioredis";
import { QueueName } from "../../src/queues/registry";
import { Harness } from "../support/harness";
import { OwnRedis, OwnSentinel } from "../support/own-redis";
import { purgeEndToEnd } from "../support/purge-end-to-end";

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
    // REDIS_URL's host points nowhere: only the sentinels can lead to the master.
    const env = h.env({
      REDIS_URL: "redis://127.0.0.1:1/0",
      REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(","),
      REDIS_SENTINEL_MASTER: "mymaster",
    });
    await purgeEndToEnd(h, env, {
      between: async () => {
        const direct = new IORedis({ port: master.port, host: "127.0.0.1" });
        cleanups.push(async () => direct.disconnect());
        expect(await direct.llen(`${h.prefix}:${QueueName.CertificatePurge}:wait`), "the jobs are on the master").to.be.greaterThan(0);
      },
    });
  });
});
