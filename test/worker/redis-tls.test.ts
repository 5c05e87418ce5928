import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { Harness } from "../support/harness";
import { makeTlsFiles, OwnTlsRedis } from "../support/own-redis";
import { purgeEndToEnd } from "../support/purge-end-to-end";

describe("Redis as operators run it: TLS (rediss://)", function () {
  this.timeout(90000);
  let h: Harness | undefined;
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await h?.close();
    h = undefined;
  });

  it("a TLS-only redis-server reached with REDIS_TLS_CA_FILE: start check, producer, worker and queues run the purge end to end", async () => {
    const redis = await OwnTlsRedis.start();
    cleanups.push(() => redis.stop());
    h = await Harness.create({ bucket: true });
    await purgeEndToEnd(h, h.env({ REDIS_URL: redis.url, REDIS_TLS_CA_FILE: redis.ca }), { count: 2 });
  });

  it("a CA that did not sign the server's certificate is refused with one line naming Redis, exit 1, for the worker and `queues`; an unreadable CA file is a config error", async () => {
    const redis = await OwnTlsRedis.start();
    cleanups.push(() => redis.stop());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owt-wrong-ca-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const wrong = makeTlsFiles(dir, "other");
    h = await Harness.create({ bucket: true });
    const env = h.env({ REDIS_URL: redis.url, REDIS_TLS_CA_FILE: wrong.ca, STARTUP_TIMEOUT_MS: "3000" });

    const queues = await runCliInProcess(["queues"], env);
    expect(queues.code).to.equal(1);
    const lines = queues.err.trim().split("\n");
    expect(lines, queues.err).to.have.length(1);
    expect(lines[0]).to.match(/Redis/).and.to.match(/certificate/i);

    const missing = await runCliInProcess(["queues"], { ...env, REDIS_TLS_CA_FILE: path.join(dir, "no-such-ca.pem") });
    expect(missing.code, "an unreadable CA file is a configuration error").to.equal(2);
    expect(missing.err).to.contain(`REDIS_TLS_CA_FILE: cannot read ${path.join(dir, "no-such-ca.pem")} (ENOENT)`);

    const child = spawnCli(["worker", "--queues", QueueName.CertificatePurge], env);
    expect((await exitOf(child, 30000)).code, child.output()).to.equal(1);
    const lines2 = child.output().trim().split("\n");
    expect(lines2, child.output()).to.have.length(1);
    expect(lines2[0]).to.match(/^openedx-workers worker: Redis at 127\.0\.0\.1:\d+\/0 is unreachable: .*certificate/);
    expect(child.output()).not.to.match(/\n\s+at /); // no stack trace
  });
});
