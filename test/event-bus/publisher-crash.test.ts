import { expect } from "chai";
import { JobName, jobIds } from "../../src/queues/registry";
import { exitOf, spawnCli } from "../support/cli";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { TcpGate } from "../support/tcp-gate";
import { waitFor } from "../support/wait";
import { insertCourse, insertLearner } from "../certificate-generation/generation-fixtures";
import { busEnv, certificateOf, lifecycleStream, outboxRows, readStream } from "./bus-support";

/**
 * The outbox's promise, with real worker processes: an event committed with its certificate reaches the bus even
 * if the worker is SIGKILLed between the commit and the XADD, and what was already published is not sent again.
 */
describe("certificate events survive a worker SIGKILLed between commit and XADD", () => {
  let h: Harness;
  let gate: TcpGate;

  beforeEach(async () => {
    h = await Harness.create();
    const redis = new URL(services.redisUrl);
    gate = new TcpGate(redis.hostname, Number(redis.port || 6379));
  });
  afterEach(async () => {
    gate.release();
    await gate.stop();
    await h.close();
  });

  it("publishes exactly the missing events after a restart (XRANGE read back and decoded)", async function () {
    this.timeout(60_000);
    const gateUrl = new URL(await gate.listen());
    const env = (busUrl: string) => h.env(busEnv(h.prefix, { EVENT_BUS_REDIS_CONNECTION_URL: busUrl, EVENT_BUS_PUBLISH_INTERVAL_MS: "200" }));
    const ctx = await h.context();
    const course = await insertCourse(h.ds);
    const learners = [await insertLearner(h.ds, course), await insertLearner(h.ds, course), await insertLearner(h.ds, course)];
    const generate = (userId: number) => ctx.queues.add({ name: JobName.GenerateCertificate, data: { userId, courseKey: course }, jobId: jobIds.generateCertificate(userId, course) });
    const published = async () => (await readStream(lifecycleStream(h.prefix))).map((e) => certificateOf(e).user.id);

    const first = spawnCli(["worker", "--queues", "certificate-generation,certificate-events"], env(`redis://${gateUrl.host}/${new URL(services.redisUrl).pathname.slice(1) || "0"}`));
    try {
      await generate(learners[0]);
      await waitFor("the first event on the bus", async () => (await published()).length === 1 && (await outboxRows(h.ds)).length === 0, { timeoutMs: 20_000 });

      // The bus stops answering: the next certificates commit (with their outbox rows), their XADD is in flight.
      gate.close();
      await generate(learners[1]);
      await generate(learners[2]);
      await waitFor("two committed, unpublished events with an XADD in flight", async () => (await outboxRows(h.ds)).length === 2 && gate.held > 0, { timeoutMs: 20_000 });
      first.kill("SIGKILL");
      await exitOf(first);
    } finally {
      if (first.exitCode === null && first.signalCode === null) first.kill("SIGKILL");
    }
    expect(await published()).to.deep.equal([learners[0]]);

    const second = spawnCli(["worker", "--queues", "certificate-generation,certificate-events"], env(services.redisUrl));
    try {
      await waitFor("the outbox drained after the restart", async () => (await outboxRows(h.ds)).length === 0 && (await published()).length >= 3, { timeoutMs: 20_000 });
    } finally {
      second.kill("SIGTERM");
      await exitOf(second);
    }
    // Each learner's created event exactly once: nothing lost, and what was already on the bus not sent again.
    // (The last two were generated concurrently, so their order is their commit order, whichever it was.)
    const ids = await published();
    expect(ids[0]).to.equal(learners[0]);
    expect([...ids].sort((a, b) => a - b)).to.deep.equal([...learners].sort((a, b) => a - b));
    const events = await readStream(lifecycleStream(h.prefix));
    expect(events.map((e) => e.metadata.type)).to.deep.equal(Array(3).fill("org.openedx.learning.certificate.created.v1"));
  });
});
