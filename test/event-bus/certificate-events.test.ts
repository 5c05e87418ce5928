import { expect } from "chai";
import IORedis from "ioredis";
import { loadConfig } from "../../src/config";
import { silentLogger } from "../../src/logging/logger";
import { CertificateDateOverrideService } from "../../src/services/certificate-generation/certificate-date-override-service";
import { CertificateGenerator } from "../../src/services/certificate-generation/certificate-generator";
import { CertificateEventOutbox } from "../../src/services/event-bus/certificate-event-outbox";
import { CertificateEventPublisher } from "../../src/services/event-bus/certificate-event-publisher";
import { EventBusRedis } from "../../src/queues/event-bus-redis";
import { PdfCertificatePurger } from "../../src/services/pdf-certificate-purger";
import { TransientJobError } from "../../src/errors/transient-job-error";
import { createS3Client } from "../../src/storage/s3";
import { insertPdfCertificate, insertUser } from "../support/fixtures";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { certificateRow, insertCertificate, insertCourse, insertLearner, invalidate } from "../certificate-generation/generation-fixtures";
import { busEnv, certificateOf, lifecycleStream, outboxRows, readStream, summary, WITH_CHANGED } from "./bus-support";

/**
 * Every certificate change of this service writes its events in the same transaction, and the publisher puts them
 * on `<prefix>-learning-certificate-lifecycle` as the LMS would: checked by reading the stream back and decoding.
 */
describe("certificate events: outbox and publisher", () => {
  let h: Harness;
  const buses: EventBusRedis[] = [];

  beforeEach(async () => {
    h = await Harness.create({ bucket: true });
  });
  afterEach(async () => {
    for (const b of buses.splice(0)) await b.close();
    await h.close();
  });

  /** The services a change goes through, wired from the config as the worker wires them. */
  function world(env: Record<string, string> = {}) {
    const config = loadConfig(h.env(env));
    const events = new CertificateEventOutbox(config.eventBus);
    const bus = new EventBusRedis(config.eventBus.redisUrl);
    buses.push(bus);
    return {
      config,
      generator: new CertificateGenerator(h.ds, config.generation, silentLogger(), events),
      overrides: new CertificateDateOverrideService(h.ds, events),
      purger: new PdfCertificatePurger(h.ds, createS3Client(config), config.certificates, silentLogger(), events),
      publisher: new CertificateEventPublisher(h.ds, config.eventBus, bus, silentLogger()),
    };
  }

  /** Generation (created), revocation by invalidation, notpassing, a date override set and cleared, a PDF purge. */
  async function everyKindOfChange(w: ReturnType<typeof world>) {
    const course = await insertCourse(h.ds);
    const passing = await insertLearner(h.ds, course, { profileName: "Grace Hopper" });
    await w.generator.generate(passing, course);
    const certId = Number((await certificateRow(h.ds, passing, course))!.id);
    const staff = await insertUser(h.ds, { isStaff: true });
    await w.overrides.set({ certificateId: certId, date: new Date("2025-01-01T00:00:00Z"), reason: "late", actingUserId: staff.id });
    await w.overrides.clear({ certificateId: certId, actingUserId: staff.id });
    await invalidate(h.ds, certId);
    await w.generator.generate(passing, course); // active invalidation → invalidate() → unavailable

    const failing = await insertLearner(h.ds, course, { percent: 0.3, passed: false });
    await insertCertificate(h.ds, failing, course, { status: "error" });
    await w.generator.generate(failing, course); // mark_notpassing

    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.bucket!.put(keys);
    await w.purger.purge(certificate.id, { jobId: "t" });
    return { course, passing, failing, certId, pdfCertId: certificate.id };
  }

  it("with publishing off (the default), no certificate change writes to the outbox", async () => {
    const w = world();
    await everyKindOfChange(w);
    expect(await outboxRows(h.ds)).to.deep.equal([]);
    expect((await w.publisher.drain()).published).to.equal(0);
    expect(await readStream(lifecycleStream(h.prefix))).to.deep.equal([]);
  });

  it("on by default for created and revoked: the stream gets exactly those, decoded to the LMS's CertificateData", async () => {
    const w = world(busEnv(h.prefix));
    const { course, passing, failing } = await everyKindOfChange(w);
    expect(await outboxRows(h.ds)).to.have.length(3);
    expect(await w.publisher.drain()).to.deep.equal({ locked: false, published: 3, dropped: 0 });
    expect(await outboxRows(h.ds)).to.deep.equal([]);

    const events = await readStream(lifecycleStream(h.prefix));
    expect(summary(events)).to.deep.equal(["created:downloadable", "revoked:unavailable", "revoked:notpassing"]);
    const [user] = await h.ds.query(`SELECT id, username, email, is_active FROM auth_user WHERE id = ?`, [passing]);
    expect(events[0].data).to.deep.equal({
      certificate: {
        user: { id: passing, is_active: true, pii: { username: user.username, email: user.email, name: "Grace Hopper" } },
        course: { course_key: course, display_name: "", start: null, end: null },
        mode: "verified", grade: "0.87", download_url: "", name: "Grace Hopper", current_status: "downloadable", previous_status: "",
      },
    });
    expect(certificateOf(events[1])).to.deep.include({ grade: "", current_status: "unavailable", previous_status: "" });
    expect(certificateOf(events[2]).user.id).to.equal(failing);
    for (const e of events) {
      expect(e.metadata).to.deep.include({ source: "openedx/openedx-workers/web", minorversion: "0", sourcelib: "11.2.0" });
      expect(e.metadata.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/); // uuid1, as upstream
      expect(e.metadata.time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
      expect(Math.abs(Date.parse(e.metadata.time) - Date.now())).to.be.below(60_000);
    }
    expect(new Set(events.map((e) => e.metadata.id)).size).to.equal(3);
  });

  it("changed (opt-in) follows upstream's models.py: every save, each revocation, override set/clear and the PDF purge", async () => {
    const w = world(busEnv(h.prefix, { EVENT_BUS_PRODUCER_CONFIG: WITH_CHANGED }));
    const { pdfCertId } = await everyKindOfChange(w);
    await w.publisher.drain();
    const events = await readStream(lifecycleStream(h.prefix));
    expect(summary(events)).to.deep.equal([
      "changed:downloadable", "created:downloadable", // generate_course_certificate: save()
      "changed:downloadable", "changed:downloadable", // date override set, cleared
      "changed:unavailable", "revoked:unavailable", // invalidate(): save(), then revoked
      "changed:notpassing", "revoked:notpassing", // mark_notpassing()
      "changed:downloadable", // PDF purge blanked the links
    ]);
    const [{ user_id: pdfUser }] = await h.ds.query(`SELECT user_id FROM certificates_generatedcertificate WHERE id = ?`, [pdfCertId]);
    expect(certificateOf(events[8])).to.deep.include({ download_url: "" });
    expect(certificateOf(events[8]).user.id).to.equal(pdfUser);
  });

  it("generation with status unverified is a save and then mark_unverified: changed, revoked", async () => {
    const w = world(busEnv(h.prefix, { EVENT_BUS_PRODUCER_CONFIG: WITH_CHANGED, ENABLE_CERTIFICATES_IDV_REQUIREMENT: "true" }));
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course);
    await w.generator.generate(user, course);
    await w.publisher.drain();
    expect(summary(await readStream(lifecycleStream(h.prefix)))).to.deep.equal(["changed:unverified", "revoked:unverified"]);
  });

  it("the outbox holds ids and non-PII state only; the learner's PII is read when publishing", async () => {
    const w = world(busEnv(h.prefix));
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { profileName: "Before Rename" });
    await w.generator.generate(user, course);
    const [row] = await outboxRows(h.ds);
    expect(Object.keys(row).sort()).to.deep.equal(["certificate_id", "course_id", "event_id", "event_type", "grade", "id", "mode", "occurred_at", "status", "user_id"]);
    const [u] = await h.ds.query(`SELECT username, email FROM auth_user WHERE id = ?`, [user]);
    expect(JSON.stringify(row)).not.to.include(u.username).and.not.to.include(u.email).and.not.to.include("Before Rename");
    // A rename between the change and the publish is what goes out (upstream reads user.profile at send time too).
    await h.ds.query(`UPDATE auth_userprofile SET name = 'After Rename' WHERE user_id = ?`, [user]);
    await w.publisher.drain();
    const [event] = await readStream(lifecycleStream(h.prefix));
    expect(certificateOf(event).user.pii.name).to.equal("After Rename");
  });

  it("a failed XADD deletes nothing; the next drain publishes everything, in order", async () => {
    const w = world(busEnv(h.prefix));
    const course = await insertCourse(h.ds);
    for (let i = 0; i < 3; i++) await w.generator.generate(await insertLearner(h.ds, course), course);
    const redis = new IORedis(services.redisUrl);
    try {
      await redis.set(lifecycleStream(h.prefix), "not a stream"); // XADD now fails with WRONGTYPE
      let error: unknown;
      await w.publisher.drain().catch((e) => (error = e));
      expect(error).to.be.instanceOf(TransientJobError);
      expect(await outboxRows(h.ds)).to.have.length(3);
      await redis.del(lifecycleStream(h.prefix));
    } finally {
      redis.disconnect();
    }
    expect((await w.publisher.drain()).published).to.equal(3);
    const events = await readStream(lifecycleStream(h.prefix));
    const users = events.map((e) => certificateOf(e).user.id);
    expect(users).to.deep.equal([...users].sort((a, b) => a - b));
    expect(users).to.have.length(3);
  });

  it("two drainers at once publish each event once, in outbox order", async () => {
    const w = world(busEnv(h.prefix, { EVENT_BUS_PUBLISH_BATCH_SIZE: "2" }));
    const other = world(busEnv(h.prefix, { EVENT_BUS_PUBLISH_BATCH_SIZE: "2" }));
    const course = await insertCourse(h.ds);
    const learners: number[] = [];
    for (let i = 0; i < 7; i++) learners.push(await insertLearner(h.ds, course));
    for (const u of learners) await w.generator.generate(u, course);
    const results = await Promise.all([w.publisher.drain(), other.publisher.drain(), w.publisher.drain()]);
    expect(results.reduce((n, r) => n + r.published, 0)).to.equal(7);
    const events = await readStream(lifecycleStream(h.prefix));
    expect(events.map((e) => certificateOf(e).user.id)).to.deep.equal(learners);
  });

  it("MAXLEN ~ bounds the stream (EVENT_BUS_REDIS_STREAM_MAX_LEN)", async () => {
    const w = world(busEnv(h.prefix, { EVENT_BUS_REDIS_STREAM_MAX_LEN: "1", EVENT_BUS_PRODUCER_CONFIG: WITH_CHANGED }));
    const course = await insertCourse(h.ds);
    for (let i = 0; i < 60; i++) {
      const u = await insertLearner(h.ds, course, { percent: 0.2, passed: false });
      await insertCertificate(h.ds, u, course, { status: "error" });
      await w.generator.generate(u, course);
    }
    expect((await w.publisher.drain()).published).to.equal(120);
    // "~" trims whole macro nodes (100 entries by default), so the stream is bounded but not exactly 1.
    expect((await readStream(lifecycleStream(h.prefix))).length).to.be.below(120);
  });
});
