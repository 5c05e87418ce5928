import { expect } from "chai";
import IORedis from "ioredis";
import { silentLogger } from "../../src/logging/logger";
import { CertificateEventEraser } from "../../src/services/event-bus/certificate-event-eraser";
import { CertificateEventOutbox } from "../../src/services/event-bus/certificate-event-outbox";
import { CertificateEventPublisher } from "../../src/services/event-bus/certificate-event-publisher";
import { EventBusRedis } from "../../src/queues/event-bus-redis";
import { fromStreamFields, toStreamFields, type BusEvent } from "../../src/services/event-bus/stream-entry";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { insertCertificate, insertCourse, insertLearner } from "../certificate-generation/generation-fixtures";
import { busEnv, readStream, WITH_CHANGED } from "./bus-support";
import { QueueName } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { FakeHttpService } from "../support/fake-http-service";
import { waitFor } from "../support/wait";
import { lmsEnv } from "../retirement/http-fixtures";
import { insertLearner as insertRetiringLearner, requestRetirements, stateOf } from "../retirement/retirement-fixtures";

/** Published certificate events carry the learner's PII; retirement deletes exactly that learner's entries. */
describe("certificate events: erasing a retired learner from the bus streams", () => {
  let h: Harness;
  const buses: EventBusRedis[] = [];
  const redis = new IORedis(services.redisUrl);
  afterEach(async () => {
    for (const b of buses.splice(0)) await b.close();
    await h.close();
  });
  after(() => redis.disconnect());

  /** The user id of each entry of a stream, in order (null for an entry that is not a readable certificate event). */
  async function userIds(stream: string): Promise<Array<number | null>> {
    return (await redis.xrangeBuffer(stream, "-", "+")).map(([, fields]) => {
      try {
        const e = fromStreamFields(fields);
        return "certificate" in e.data ? e.data.certificate.user.id : null;
      } catch {
        return null;
      }
    });
  }

  it("deletes every entry of the learner on every certificate topic (over several XRANGE pages), keeps the rest", async () => {
    h = await Harness.create();
    // created/revoked on the lifecycle topic (enabled), changed on a second topic that is disabled now but has entries.
    const producer = JSON.parse(WITH_CHANGED);
    producer["org.openedx.learning.certificate.changed.v1"] = { "old-topic": { event_key_field: "certificate.course.course_key", enabled: true } };
    const config = h.config(busEnv(h.prefix, { EVENT_BUS_PRODUCER_CONFIG: JSON.stringify(producer) }));
    const bus = new EventBusRedis(config.eventBus.redisUrl);
    buses.push(bus);
    const course = await insertCourse(h.ds);
    const [retiring, other, alsoRetiring] = [await insertLearner(h.ds, course), await insertLearner(h.ds, course), await insertLearner(h.ds, course)];
    const certs = [retiring, other, alsoRetiring].map(async (u) => insertCertificate(h.ds, u, course, { status: "downloadable" }));
    const [first, second, third] = await Promise.all(certs);
    const outbox = new CertificateEventOutbox(config.eventBus);
    await outbox.record(h.ds.manager, { change: "saved", certificateId: [first, second, third] });
    await outbox.record(h.ds.manager, { change: "revoked", certificateId: first });
    await new CertificateEventPublisher(h.ds, config.eventBus, bus, silentLogger()).drain();
    const lifecycle = `${h.prefix}:bus-learning-certificate-lifecycle`;
    const old = `${h.prefix}:bus-old-topic`;
    // 600 more events of the other learner after the first ones (more than one XRANGE page), and an entry nobody can read.
    const [sample] = (await readStream(lifecycle)).filter((e) => "certificate" in e.data && e.data.certificate.user.id === other);
    const pipeline = redis.pipeline();
    for (let i = 0; i < 600; i++) pipeline.xadd(lifecycle, "*", ...toStreamFields(sample as BusEvent));
    pipeline.xadd(lifecycle, "*", "type", "org.openedx.learning.certificate.created.v1", "event_data", "not avro");
    await pipeline.exec();
    await outbox.record(h.ds.manager, { change: "saved", certificateId: first });
    await new CertificateEventPublisher(h.ds, config.eventBus, bus, silentLogger()).drain();
    const before = { lifecycle: await userIds(lifecycle), old: await userIds(old) };
    expect(before.lifecycle.filter((id) => id === retiring)).to.have.length(3);
    expect(before.old.filter((id) => id === retiring)).to.have.length(3);

    const eraser = new CertificateEventEraser(h.ds, config.eventBus, bus, silentLogger());
    expect(eraser.streams()).to.deep.equal([lifecycle, old].sort());
    // Two learners erased together (one lock, one scan): created + revoked + created on the lifecycle topic and
    // changed three times on the old topic for the first; created and changed for the other.
    expect(await eraser.eraseLearners([retiring, alsoRetiring])).to.deep.equal(new Map([[retiring, 6], [alsoRetiring, 2]]));

    const gone = (id: number | null) => id !== retiring && id !== alsoRetiring;
    expect(await userIds(lifecycle)).to.deep.equal(before.lifecycle.filter(gone));
    expect(await userIds(old)).to.deep.equal(before.old.filter(gone));
    expect((await userIds(lifecycle)).filter((id) => id === other), "the other learner's created event and 600 copies").to.have.length(601);
    expect(await eraser.eraseLearners([retiring]), "idempotent").to.deep.equal(new Map());
    // A learner without a certificate row costs one query and no scan.
    expect(await eraser.eraseLearners([999_999])).to.deep.equal(new Map());
  });
});

describe("certificate events: the LMS retired over HTTP (retirement_lms_retire)", function () {
  this.timeout(60000);
  let h: Harness;
  let lms: FakeHttpService | undefined;
  afterEach(async () => {
    await h?.close();
    await lms?.close();
  });

  it("erases the learner's bus entries once the LMS answered, before the step ends", async () => {
    lms = await FakeHttpService.start();
    lms.onToken().on("POST /api/user/v1/accounts/retire/", { status: 204 });
    const pipeline = JSON.stringify([["LOCKING_ACCOUNT", "LOCKING_COMPLETE", "LMS", "lock_account"], ["RETIRING_LMS", "LMS_COMPLETE", "LMS", "retirement_lms_retire"]]);
    const states = JSON.stringify(["PENDING", "LOCKING_ACCOUNT", "LOCKING_COMPLETE", "RETIRING_LMS", "LMS_COMPLETE", "ERRORED", "ABORTED", "COMPLETE"]);
    const retirementEnv = lmsEnv(lms, { RETIREMENT_PIPELINE: pipeline, RETIREMENT_STATES: states });
    h = await Harness.create({ env: retirementEnv });
    const env = busEnv(h.prefix);
    const learner = await insertRetiringLearner(h);
    const config = h.config(env);
    const bus = new EventBusRedis(config.eventBus.redisUrl);
    try {
      await new CertificateEventOutbox(config.eventBus).record(h.ds.manager, { change: "saved", certificateId: learner.certificateIds });
      await new CertificateEventPublisher(h.ds, config.eventBus, bus, silentLogger()).drain();
    } finally {
      await bus.close();
    }
    const lifecycle = `${h.prefix}:bus-learning-certificate-lifecycle`;
    expect(await readStream(lifecycle)).to.have.length.greaterThan(0);
    await requestRetirements(h, [learner.userId], retirementEnv);
    await h.worker({ queues: [QueueName.LearnerRetirement], env });
    expect((await runCliInProcess(["retire-learners"], h.env(env))).code).to.equal(0);
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE");
    expect(lms.requests.map((r) => r.url)).to.include("/api/user/v1/accounts/retire/");
    expect(await readStream(lifecycle)).to.deep.equal([]);
  });
});
