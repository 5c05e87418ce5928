import { randomUUID } from "node:crypto";
import { expect } from "chai";
import IORedis from "ioredis";
import { silentLogger } from "../../src/logging/logger";
import { QueueName } from "../../src/queues/registry";
import { EventBusConsumer } from "../../src/services/event-bus/event-bus-consumer";
import { EventBusRedis } from "../../src/queues/event-bus-redis";
import { EventType } from "../../src/services/event-bus/event-types";
import { isoformatUtc, producedMetadata, toStreamFields, type BusEvent } from "../../src/services/event-bus/stream-entry";
import { startEventConsumerRole } from "../../src/workers/certificate-events/event-consumer-role";
import { exitOf, spawnCli } from "../support/cli";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { TcpGate } from "../support/tcp-gate";
import { waitFor } from "../support/wait";
import { certificateRow, insertCertificate, insertCourse, insertLearner } from "../certificate-generation/generation-fixtures";
import { AUTO_GENERATION, setWaffleSwitch } from "../credentials/credentials-fixtures";

const TOPIC = "learning-badges-lifecycle";

/** A course passing status event as the LMS publishes it (bare Avro of openedx-events' schema). */
function passingStatus(userId: number, courseKey: string, isPassing = true): BusEvent {
  return {
    metadata: { ...producedMetadata(EventType.CoursePassingStatusUpdated, randomUUID(), isoformatUtc(new Date())), source: "openedx/lms/web" },
    data: {
      course_passing_status: {
        is_passing: isPassing,
        course: { course_key: courseKey, display_name: "", start: null, end: null },
        user: { id: userId, is_active: true, pii: { username: `u${userId}`, email: `u${userId}@example.org`, name: "Some One" } },
      },
    },
  };
}

describe("event bus consumer role (EVENT_BUS_CONSUME)", () => {
  let h: Harness;
  let redis: IORedis;
  const closers: Array<() => Promise<void>> = [];
  const stream = () => `${h.prefix}:bus-${TOPIC}`;
  const consumeEnv = (extra: Record<string, string> = {}) => ({ EVENT_BUS_CONSUME: TOPIC, EVENT_BUS_TOPIC_PREFIX: `${h.prefix}:bus`, ...extra });
  const publish = (event: BusEvent) => redis.xadd(stream(), "MAXLEN", "~", "10000", "*", ...toStreamFields(event));
  const pending = async () => Number(((await redis.xpending(stream(), "openedx-workers")) as [number])[0]);

  beforeEach(async () => {
    h = await Harness.create();
    // Generation from a passing status needs the LMS's auto-generation switch (certificate-reactions.test.ts tests it off).
    await setWaffleSwitch(h.ds, AUTO_GENERATION, true);
    redis = new IORedis(services.redisUrl);
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    redis.disconnect();
    await h.close();
  });

  /** A consumer whose handler just records what it was given (to test delivery, not generation). */
  async function recordingConsumer(name: string, seen: string[], extra: Record<string, string> = {}) {
    const config = h.config(consumeEnv({ EVENT_BUS_CONSUMER_NAME: name, ...extra }));
    const bus = new EventBusRedis(config.eventBus.redisUrl);
    const consumer = new EventBusConsumer(config.eventBus, bus, async (e) => void seen.push(e.metadata.id), silentLogger());
    await consumer.start();
    closers.push(async () => {
      await consumer.stop();
      await bus.close();
    });
    return consumer;
  }

  it("turns a passing status event into a generated certificate, a failing one into notpassing, acknowledges them, and skips unreadable entries", async () => {
    const course = await insertCourse(h.ds);
    const [passing, failing] = [await insertLearner(h.ds, course), await insertLearner(h.ds, course, { percent: 0.9 })];
    const nowFailing = await insertLearner(h.ds, course, { percent: 0.3, passed: false });
    await insertCertificate(h.ds, nowFailing, course, { status: "downloadable", grade: "0.9" });
    const { ctx } = await h.worker({ queues: [QueueName.CertificateGeneration], env: consumeEnv() });
    const consumer = (await startEventConsumerRole(ctx))!;
    closers.push(() => consumer.stop());

    await redis.xadd(stream(), "*", "type", EventType.CoursePassingStatusUpdated, "id", "x", "source", "s", "time", "t", "minorversion", "0", "sourcehost", "h", "sourcelib", "11.2.0", "event_data", "garbage");
    await publish(passingStatus(failing, course, false));
    await publish(passingStatus(passing, course));
    await publish(passingStatus(nowFailing, course, false));

    await waitFor("the certificate generated from the event", async () => (await certificateRow(h.ds, passing, course))?.status === "downloadable");
    // COURSE_GRADE_NOW_FAILED's handler: the passing certificate becomes notpassing with the current grade.
    await waitFor("the failing learner's certificate marked notpassing", async () => (await certificateRow(h.ds, nowFailing, course))?.status === "notpassing");
    expect(await certificateRow(h.ds, nowFailing, course)).to.deep.include({ grade: "0.3", download_url: "" });
    await waitFor("every entry acknowledged", async () => (await pending()) === 0);
    // A failing learner without a certificate gets none.
    expect(await certificateRow(h.ds, failing, course)).to.equal(undefined);
  });

  it("starts from its group's last position: what was published while it was down is consumed, nothing twice", async () => {
    const seen: string[] = [];
    const before = passingStatus(1, "course-v1:a+b+c");
    await publish(before); // published before the group existed: a new group starts at the beginning
    const first = await recordingConsumer("one", seen);
    await waitFor("the first event", async () => seen.length === 1);
    await first.stop();

    const whileDown = [passingStatus(2, "course-v1:a+b+c"), passingStatus(3, "course-v1:a+b+c")];
    for (const e of whileDown) await publish(e);
    await recordingConsumer("two", seen);
    await waitFor("the events published while down", async () => seen.length >= 3);
    await new Promise((r) => setTimeout(r, 300)); // a chance for a wrong re-delivery to show up
    expect(seen).to.deep.equal([before, ...whileDown].map((e) => e.metadata.id));
  });

  it("a consumer killed mid-batch loses no event: its pending entries are claimed by another and generated", async function () {
    this.timeout(60_000);
    const course = await insertCourse(h.ds);
    const learners = [await insertLearner(h.ds, course), await insertLearner(h.ds, course), await insertLearner(h.ds, course)];
    const target = new URL(services.redisUrl);
    const gate = new TcpGate(target.hostname, Number(target.port || 6379));
    const gateUrl = new URL(await gate.listen());
    closers.push(async () => {
      gate.release();
      await gate.stop();
    });
    // The doomed worker reaches the queues through the gate, the bus directly.
    const queuesThroughGate = `redis://${gateUrl.host}${target.pathname}`;
    const doomed = spawnCli(["worker", "--queues", "certificate-generation"], h.env(consumeEnv({ REDIS_URL: queuesThroughGate, EVENT_BUS_REDIS_CONNECTION_URL: services.redisUrl, EVENT_BUS_CONSUMER_NAME: "doomed" })));
    try {
      await waitFor("the doomed consumer in its group", async () => {
        const consumers = (await redis.xinfo("CONSUMERS", stream(), "openedx-workers").catch(() => [])) as unknown[][];
        return consumers.some((c) => c[1] === "doomed");
      }, { timeoutMs: 20_000 });
      gate.close(); // its enqueues now hang: it is mid-batch when killed
      // One MULTI, so the three arrive together and the consumer takes them as one batch.
      const multi = redis.multi();
      for (const u of learners) multi.xadd(stream(), "*", ...toStreamFields(passingStatus(u, course)));
      await multi.exec();
      await waitFor("all three delivered to it and unacknowledged, an enqueue in flight", async () => (await pending()) === 3 && gate.held > 0, { timeoutMs: 20_000 }).catch(async (e) => {
        throw new Error(`${e.message}; pending ${await pending()}, held ${gate.held}; output: ${doomed.output()}`);
      });
      doomed.kill("SIGKILL");
      await exitOf(doomed);
    } finally {
      if (doomed.exitCode === null && doomed.signalCode === null) doomed.kill("SIGKILL");
    }
    for (const u of learners) expect(await certificateRow(h.ds, u, course)).to.equal(undefined);

    const survivor = spawnCli(["worker", "--queues", "certificate-generation"], h.env(consumeEnv({ EVENT_BUS_CONSUMER_NAME: "survivor", EVENT_BUS_CONSUMER_CLAIM_IDLE_MS: "300" })));
    try {
      await waitFor("every learner's certificate", async () => {
        for (const u of learners) if ((await certificateRow(h.ds, u, course))?.status !== "downloadable") return false;
        return true;
      }, { timeoutMs: 30_000 });
      await waitFor("nothing left pending", async () => (await pending()) === 0);
    } finally {
      survivor.kill("SIGTERM");
      await exitOf(survivor);
    }
  });
});
