import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { exitOf, spawnCli } from "../support/cli";
import { Harness } from "../support/harness";
import { freePort, OwnRedis } from "../support/own-redis";
import { parsePrometheusText } from "../support/prometheus-text";
import { waitFor } from "../support/wait";

/** openedx_workers_dependency_up per dependency, from a /metrics text. */
async function dependencyUp(url: string): Promise<Record<string, number> | undefined> {
  const res = await fetch(url).catch(() => undefined);
  if (!res?.ok) return undefined;
  const { samples } = parsePrometheusText(await res.text());
  return Object.fromEntries(samples.filter((s) => s.name === "openedx_workers_dependency_up").map((s) => [s.labels.dependency, s.value]));
}

describe("health says what is down: openedx_workers_dependency_up and the worker's down/back lines", function () {
  this.timeout(90000);
  let h: Harness | undefined;
  let redis: OwnRedis | undefined;
  afterEach(async () => {
    await redis?.stop();
    await h?.close();
    h = redis = undefined;
  });

  it("a running worker's metric flips to 0 while its Redis is not running, with one 'dependency down' line, and back to 1 with 'dependency back'", async () => {
    redis = await OwnRedis.start();
    h = await Harness.create({ bucket: true });
    const port = await freePort();
    const child = spawnCli(["worker", "--queues", QueueName.CertificatePurge], h.env({
      REDIS_URL: redis.url, WORKER_METRICS_PORT: String(port), DEPENDENCY_CHECK_INTERVAL_MS: "200", HEALTH_CHECK_TIMEOUT_MS: "500", LOG_LEVEL: "info",
    }));
    try {
      const url = `http://127.0.0.1:${port}/metrics`;
      const up = await waitFor("every dependency up", async () => {
        const d = await dependencyUp(url);
        return d && d.redis === 1 && d.database === 1 && d.s3 === 1 ? d : undefined;
      }, { timeoutMs: 30000 });
      expect(up).to.deep.equal({ redis: 1, database: 1, s3: 1 });

      await redis.kill();
      const down = await waitFor("redis reported down", async () => {
        const d = await dependencyUp(url);
        return d?.redis === 0 ? d : undefined;
      }, { timeoutMs: 20000 });
      expect(down).to.deep.equal({ redis: 0, database: 1, s3: 1 });
      await waitFor("the down line", async () => /"message":"dependency down"/.test(child.output()), { timeoutMs: 5000 });

      await redis.up();
      await waitFor("redis reported back", async () => (await dependencyUp(url))?.redis === 1, { timeoutMs: 30000 });
      await waitFor("the back line", async () => /"message":"dependency back"/.test(child.output()), { timeoutMs: 5000 });
      const lines = child.output().split("\n").filter((l) => /"message":"dependency (down|back)"/.test(l)).map((l) => JSON.parse(l) as { level: string; message: string; dependency: string });
      // One line per change, not one per check, and only Redis changed.
      expect(lines.map((l) => [l.level, l.message, l.dependency])).to.deep.equal([["error", "dependency down", "redis"], ["info", "dependency back", "redis"]]);
    } finally {
      child.kill("SIGTERM");
      await exitOf(child, 30000);
    }
  });
});
