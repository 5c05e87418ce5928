import { expect } from "chai";
import IORedis from "ioredis";
import { QueueName } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { OwnCluster } from "../support/own-redis";
import { parsePrometheusText } from "../support/prometheus-text";
import { purgeEndToEnd } from "../support/purge-end-to-end";
import { waitFor } from "../support/wait";
import { ConsoleClient, seedUser, startConsole } from "../console/console-fixtures";

describe("Redis as operators run it: Cluster", function () {
  this.timeout(90000);
  let h: Harness | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  let cluster: OwnCluster;
  before(async () => {
    cluster = await OwnCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await h?.close();
    h = undefined;
  });

  it("a local 3-node Cluster with a hash-tagged prefix: start check, producer, worker and queues run the purge end to end", async () => {
    h = await Harness.create({ bucket: true });
    const prefix = `{${h.prefix}}`;
    // REDIS_URL's host points nowhere: only the cluster nodes lead to the queues.
    const env = h.env({ REDIS_URL: "redis://127.0.0.1:1/0", REDIS_CLUSTER_NODES: cluster.nodeList, QUEUE_PREFIX: prefix });
    await purgeEndToEnd(h, env, {
      between: async () => {
        const direct = new IORedis.Cluster(cluster.nodes.map((n) => ({ host: "127.0.0.1", port: n.port })));
        cleanups.push(async () => direct.disconnect());
        expect(await direct.llen(`${prefix}:${QueueName.CertificatePurge}:wait`), "the jobs are in the cluster").to.be.greaterThan(0);
      },
    });
  });

  it("the console on the Cluster: a signed-in session (kept in the cluster), the queues page, /readyz and /metrics", async () => {
    h = await Harness.create({ bucket: true });
    await seedUser(h.ds, { username: "viewer", password: "viewer-pw" });
    const prefix = `{${h.prefix}}`;
    const con = await startConsole(h, { REDIS_URL: "redis://127.0.0.1:1/0", REDIS_CLUSTER_NODES: cluster.nodeList, QUEUE_PREFIX: prefix });
    cleanups.push(() => con.close());
    // Ready once its clients have connected (a Cluster client first reads the slot map), as an orchestrator waits.
    const ready = await waitFor("the console to be ready", async () => {
      const res = await fetch(`${con.url}/readyz`);
      return res.status === 200 ? res.json() : undefined;
    }, { timeoutMs: 20000 });
    expect(ready).to.deep.equal({ redis: "ok", database: "ok", s3: "ok" });
    const viewer = new ConsoleClient(con.url);
    expect((await viewer.signIn("viewer", "viewer-pw")).status).to.equal(302);
    expect((await viewer.get("/queues")).status).to.equal(200);
    const direct = new IORedis.Cluster(cluster.nodes.map((n) => ({ host: "127.0.0.1", port: n.port })));
    cleanups.push(async () => direct.disconnect());
    await direct.ping(); // connected: its node list is known
    const sessions = (await Promise.all(direct.nodes("master").map((n) => n.keys(`${prefix}:console:sess:*`)))).flat();
    expect(sessions, "the session is in the cluster").to.have.length(1);

    const { samples } = parsePrometheusText(await (await fetch(`${con.url}/metrics`)).text());
    expect(samples.filter((m) => m.name === "openedx_workers_dependency_up").map((m) => [m.labels.dependency, m.value])).to.deep.equal([["redis", 1], ["database", 1], ["s3", 1]]);
    expect(samples.some((m) => m.name === "openedx_workers_queue_jobs" && m.labels.queue === QueueName.CertificatePurge), "queue counts read from the cluster").to.equal(true);
  });

  it("Cluster mode refuses a prefix that is not hash-tagged, naming the fix, with exit 2 and nothing enqueued", async () => {
    const env = { REDIS_CLUSTER_NODES: "127.0.0.1:7000", QUEUE_PREFIX: "oxw" };
    const result = await runCliInProcess(["queues"], env);
    expect(result.code).to.equal(2);
    expect(result.err).to.contain("QUEUE_PREFIX: must be hash-tagged in braces with REDIS_CLUSTER_NODES (e.g. {oxw})");
    const refused = await runCliInProcess(["queues"], { REDIS_CLUSTER_NODES: "127.0.0.1:7000", REDIS_SENTINELS: "127.0.0.1:26379", QUEUE_PREFIX: "{oxw}", REDIS_URL: "redis://127.0.0.1:7000/3" });
    expect(refused.code).to.equal(2);
    expect(refused.err).to.contain("REDIS_CLUSTER_NODES: cannot be used with REDIS_SENTINELS");
    expect(refused.err).to.contain("REDIS_URL: a Redis Cluster has only database 0");
    const bus = await runCliInProcess(["queues"], { REDIS_CLUSTER_NODES: "127.0.0.1:7000", QUEUE_PREFIX: "{oxw}", SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS: "true" });
    expect(bus.code).to.equal(2);
    expect(bus.err).to.contain("EVENT_BUS_REDIS_CONNECTION_URL: is required with REDIS_CLUSTER_NODES when the event bus is used");
    const hashTagged = await runCliInProcess(["config"], { QUEUE_PREFIX: "{oxw}" });
    expect(hashTagged.code, hashTagged.err).to.equal(0);
    const badBraces = await runCliInProcess(["config"], { QUEUE_PREFIX: "{ox}w" });
    expect(badBraces.code).to.equal(2);
    expect(badBraces.err).to.contain("QUEUE_PREFIX: may only contain");
  });
});
