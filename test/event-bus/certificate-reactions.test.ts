import { randomUUID } from "node:crypto";
import { expect } from "chai";
import IORedis from "ioredis";
import type { AppContext } from "../../src/app/app-context";
import { QueueName, jobIds } from "../../src/queues/registry";
import type { EventBusConsumer } from "../../src/services/event-bus/event-bus-consumer";
import { EventType } from "../../src/services/event-bus/event-types";
import { isoformatUtc, producedMetadata, toStreamFields, type BusEvent } from "../../src/services/event-bus/stream-entry";
import { startEventConsumerRole } from "../../src/workers/certificate-events/event-consumer-role";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { waitFor } from "../support/wait";
import { allowlist, certificateRow, historyRows, insertCertificate, insertCourse, insertLearner, setGrade } from "../certificate-generation/generation-fixtures";
import { insertLmsRow } from "../support/lms-seed";
import { AUTO_GENERATION, setWaffleSwitch } from "../credentials/credentials-fixtures";

const TOPICS = ["learning-badges-lifecycle", "learning-exam-attempt-lifecycle", "learning-idv-attempt-lifecycle"];

const user = (id: number) => ({ id, is_active: true, pii: { username: `u${id}`, email: `u${id}@example.org`, name: "Some One" } });
const metadata = <T extends EventType>(type: T, source: string) => ({ ...producedMetadata(type, randomUUID(), isoformatUtc(new Date())), source });

function passingStatus(userId: number, courseKey: string, isPassing = true): BusEvent {
  return {
    metadata: metadata(EventType.CoursePassingStatusUpdated, "openedx/lms/web"),
    data: { course_passing_status: { is_passing: isPassing, course: { course_key: courseKey, display_name: "", start: null, end: null }, user: user(userId) } },
  };
}

/** EXAM_ATTEMPT_REJECTED as edx-exams publishes it. */
function examRejected(userId: number, courseKey: string): BusEvent {
  return {
    metadata: metadata(EventType.ExamAttemptRejected, "openedx/edx-exams/web"),
    data: { exam_attempt: { student_user: user(userId), course_key: courseKey, usage_key: `block-v1:${courseKey.slice(10)}+type@sequential+block@exam`, exam_type: "proctored", requesting_user: user(1) } },
  };
}

/** IDV_ATTEMPT_APPROVED (VerificationAttemptData). */
function idvApproved(userId: number): BusEvent {
  return {
    metadata: metadata(EventType.IdvAttemptApproved, "openedx/lms/web"),
    data: { idv_attempt: { attempt_id: 7, user: user(userId), status: "approved", name: "Some One", expiration_date: null } },
  };
}

describe("certificate reactions to bus events, as the LMS's receivers in lms/djangoapps/certificates/signals.py", function () {
  this.timeout(60000);
  let h: Harness;
  let redis: IORedis;
  let consumer: EventBusConsumer | undefined;
  const stream = (topic: string) => `${h.prefix}:bus-${topic}`;
  const env = { EVENT_BUS_CONSUME: TOPICS.join(","), EVENT_BUS_TOPIC_PREFIX: "", WAFFLE_CACHE_MS: "0" };

  beforeEach(async () => {
    h = await Harness.create();
    redis = new IORedis(services.redisUrl);
  });
  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
    redis.disconnect();
    await h.close();
  });

  /** A consumer on its own context; with `work`, a worker of the generation queue processes the jobs too. */
  async function consume(work: boolean): Promise<AppContext> {
    const fullEnv = { ...env, EVENT_BUS_TOPIC_PREFIX: `${h.prefix}:bus` };
    const ctx = work ? (await h.worker({ queues: [QueueName.CertificateGeneration], env: fullEnv })).ctx : await h.context({ env: fullEnv });
    consumer = await startEventConsumerRole(ctx);
    return ctx;
  }

  /** Publishes the event and waits until the consumer group has read and acknowledged it. */
  async function handled(topic: string, event: BusEvent): Promise<void> {
    const id = await redis.xadd(stream(topic), "*", ...toStreamFields(event));
    await waitFor(`the ${event.metadata.type} entry handled`, async () => {
      const groups = (await redis.xinfo("GROUPS", stream(topic))) as unknown[][];
      const info = Object.fromEntries(Array.from({ length: groups[0].length / 2 }, (_, i) => [groups[0][2 * i], groups[0][2 * i + 1]]));
      return info["last-delivered-id"] === id && Number(info.pending) === 0;
    });
  }

  const generationJob = (ctx: AppContext, userId: number, course: string) => ctx.queues.queue(QueueName.CertificateGeneration).getJob(jobIds.generateCertificate(userId, course));

  it("the auto-generation switch inactive → a passing status enqueues no generation; active → it does; a failing status is handled either way", async () => {
    const course = await insertCourse(h.ds);
    const [first, second, failing] = [await insertLearner(h.ds, course), await insertLearner(h.ds, course), await insertLearner(h.ds, course, { percent: 0.2, passed: false })];
    const ctx = await consume(false);

    await handled(TOPICS[0], passingStatus(first, course));
    await handled(TOPICS[0], passingStatus(failing, course, false));
    expect(await generationJob(ctx, first, course)).to.equal(undefined);
    expect(await ctx.queues.queue(QueueName.CertificateGeneration).getJob(jobIds.markCertificateNotPassing(failing, course))).not.to.equal(undefined);

    await setWaffleSwitch(h.ds, AUTO_GENERATION, true);
    await handled(TOPICS[0], passingStatus(second, course));
    expect((await generationJob(ctx, second, course))?.data).to.deep.equal({ userId: second, courseKey: course });

    await setWaffleSwitch(h.ds, AUTO_GENERATION, false);
    await handled(TOPICS[0], passingStatus(first, course));
    expect(await generationJob(ctx, first, course)).to.equal(undefined);
  });

  it("an exam attempt rejected invalidates the certificate (unavailable, enrollment mode, grade ''), unless the learner is on the allowlist", async () => {
    const course = await insertCourse(h.ds);
    const [rejected, allowlisted, noCertificate] = [await insertLearner(h.ds, course, { mode: "professional" }), await insertLearner(h.ds, course), await insertLearner(h.ds, course)];
    const certificate = await insertCertificate(h.ds, rejected, course, { status: "downloadable", mode: "verified", grade: "0.91", downloadUrl: "https://x/y.pdf" });
    await insertCertificate(h.ds, allowlisted, course, { status: "downloadable" });
    await allowlist(h.ds, allowlisted, course);
    const ctx = await consume(true);

    for (const learner of [rejected, allowlisted, noCertificate]) await handled(TOPICS[1], examRejected(learner, course));
    const invalidation = (u: number) => ctx.queues.queue(QueueName.CertificateGeneration).getJob(jobIds.invalidateCertificate(u, course));
    await waitFor("the invalidation jobs finished", async () => {
      const states = await Promise.all([rejected, allowlisted, noCertificate].map(async (u) => (await invalidation(u))?.getState()));
      return states.every((s) => s === "completed");
    });

    expect(await certificateRow(h.ds, rejected, course)).to.deep.include({ status: "unavailable", mode: "professional", grade: "", download_url: "" });
    expect((await historyRows(h.ds, certificate)).map((r) => r.history_type)).to.deep.equal(["~"]);
    expect((await certificateRow(h.ds, allowlisted, course))!.status).to.equal("downloadable");
    expect(await certificateRow(h.ds, noCertificate, course)).to.equal(undefined);
    expect(await h.ds.query(`SELECT * FROM certificates_certificateinvalidation`)).to.deep.equal([]);

    // The same event delivered again writes nothing more.
    await handled(TOPICS[1], examRejected(rejected, course));
    await waitFor("the repeated job finished", async () => (await (await invalidation(rejected))?.getState()) === "completed");
    expect((await invalidation(rejected))!.returnvalue).to.deep.include({ status: "skipped", reason: "already unavailable" });
    expect(await historyRows(h.ds, certificate)).to.have.length(1);
  });

  it("an ID verification approved regenerates the learner's certificate in each active enrollment while the switch is active", async () => {
    const [a, b, inactive] = [await insertCourse(h.ds), await insertCourse(h.ds), await insertCourse(h.ds)];
    const learner = await insertLearner(h.ds, a);
    for (const [course, active] of [[b, 1], [inactive, 0]] as const) {
      await insertLmsRow(h.ds, "student_courseenrollment", { user_id: learner, course_id: course, mode: "verified", is_active: active });
      await setGrade(h.ds, learner, course, 0.9, true);
    }
    const ctx = await consume(true);

    await handled(TOPICS[2], idvApproved(learner));
    expect(await generationJob(ctx, learner, a)).to.equal(undefined);

    await setWaffleSwitch(h.ds, AUTO_GENERATION, true);
    await handled(TOPICS[2], idvApproved(learner));
    await waitFor("both certificates", async () => (await certificateRow(h.ds, learner, a))?.status === "downloadable" && (await certificateRow(h.ds, learner, b))?.status === "downloadable");
    expect(await generationJob(ctx, learner, inactive)).to.equal(undefined);
    expect(await certificateRow(h.ds, learner, inactive)).to.equal(undefined);
  });
});
