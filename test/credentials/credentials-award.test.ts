import { expect } from "chai";
import type { Job } from "bullmq";
import type { AppContext } from "../../src/app/app-context";
import { silentLogger, type Logger } from "../../src/logging/logger";
import { QueueName, jobIds } from "../../src/queues/registry";
import { CertificateDateOverrideService } from "../../src/services/certificate-generation/certificate-date-override-service";
import { CertificateGenerator } from "../../src/services/certificate-generation/certificate-generator";
import { syncSchedules } from "../../src/workers/schedules";
import { FakeHttpService, type ReceivedRequest, type Reply } from "../support/fake-http-service";
import { Harness } from "../support/harness";
import { dumpPrefix } from "../support/redis-keys";
import { waitFor } from "../support/wait";
import { certificateRow, insertCertificate, insertCourse, insertLearner, setGrade } from "../certificate-generation/generation-fixtures";
import { capturedLogger } from "../retirement/retirement-fixtures";
import {
  AUTO_GENERATION,
  CREDENTIALS_ROUTE,
  TOKEN_ROUTE,
  credentialsEnv,
  insertSiteConfiguration,
  setCredentialsApiConfig,
  setWaffleSwitch,
} from "./credentials-fixtures";

/** '%Y-%m-%dT%H:%M:%SZ' of a UTC datetime. */
const credentialsDate = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/** The body upstream's post_course_certificate sends (requests' json=: Python's json.dumps separators). */
function expectedBody(o: { username: string; status: "awarded" | "revoked"; courseKey: string; mode: string; dateOverride: string | null; visibleDate: string }): string {
  const override = o.dateOverride === null ? "null" : `{"date": "${o.dateOverride}"}`;
  return (
    `{"username": "${o.username}", "status": "${o.status}", "credential": {"course_run_key": "${o.courseKey}", "mode": "${o.mode}", "type": "course-run"}, ` +
    `"date_override": ${override}, "attributes": [{"name": "visible_date", "value": "${o.visibleDate}"}]}`
  );
}

describe("Credentials: course certificates sent as award_course_certificate sends them", function () {
  this.timeout(60000);
  let h: Harness;
  let credentials: FakeHttpService;
  let lms: FakeHttpService;

  beforeEach(async () => {
    credentials = await FakeHttpService.start();
    lms = (await FakeHttpService.start()).onToken();
  });
  afterEach(async () => {
    await h?.close();
    await credentials.close();
    await lms.close();
  });

  /** A worker of the credentials queue (one job at a time) with its drain schedule, issuance enabled unless told. */
  async function world(opts: { env?: Record<string, string>; issuance?: boolean; logger?: Logger } = {}): Promise<AppContext> {
    h = await Harness.create({ env: credentialsEnv(credentials, lms, opts.env) });
    await setCredentialsApiConfig(h.ds, { enabled: true, learnerIssuance: opts.issuance ?? true });
    const { ctx } = await h.worker({ queues: [QueueName.Credentials], concurrency: 1, logger: opts.logger });
    await syncSchedules(ctx.queues, [QueueName.Credentials], ctx.config, silentLogger());
    return ctx;
  }

  const generator = (ctx: AppContext) => new CertificateGenerator(ctx.dataSource, ctx.config.generation, silentLogger(), ctx.certificateSignals);
  const username = async (userId: number) => ((await h.ds.query(`SELECT username FROM auth_user WHERE id = ?`, [userId])) as Array<{ username: string }>)[0].username;
  const outboxRows = async () => Number(((await h.ds.query(`SELECT COUNT(*) AS n FROM openedx_workers_credentials_outbox`)) as Array<{ n: number }>)[0].n);
  const awardJob = (ctx: AppContext, userId: number, courseKey: string) => ctx.queues.queue(QueueName.Credentials).getJob(jobIds.awardCourseCertificate(userId, courseKey)) as Promise<Job | undefined>;
  /** The pair's award job once it is in `state`. */
  const awardJobIn = (ctx: AppContext, userId: number, courseKey: string, state: "delayed" | "failed") =>
    waitFor(`the award job ${state}`, async () => {
      const j = await awardJob(ctx, userId, courseKey);
      return j && (await j.getState()) === state ? j : undefined;
    });
  const sent = () => credentials.received(CREDENTIALS_ROUTE);
  /** Every recorded change sent (or dropped) and no award job left to run. */
  const settled = async (ctx: AppContext) => {
    await waitFor("the outbox drained and the credentials queue idle", async () => {
      const counts = await ctx.queues.queue(QueueName.Credentials).getJobCounts("waiting", "active");
      return (await outboxRows()) === 0 && counts.waiting === 0 && counts.active === 0;
    });
  };

  /** Learner issuance off: a passing generation's award job waits in the delayed set, its retry a minute away. */
  async function awardWaitingForIssuance() {
    const ctx = await world({ issuance: false, env: { CREDENTIALS_RETRY_BASE_MS: "60000" } });
    credentials.on(CREDENTIALS_ROUTE, { status: 201, body: {} });
    const course = await insertCourse(h.ds);
    const learner = await insertLearner(h.ds, course);
    await generator(ctx).generate(learner, course);
    return { ctx, course, learner, job: await awardJobIn(ctx, learner, course, "delayed") };
  }

  /**
   * post_course_certificate's request as requests.Session sends it with SuppliedJwtAuth and json=: these headers and
   * no others (requests' Accept (any type) and Accept-Encoding are left out on purpose, and the User-Agent names this
   * service; docs/certificate-generation.md says why).
   */
  function expectExactRequest(req: ReceivedRequest, body: string): void {
    expect(req.method).to.equal("POST");
    expect(req.url).to.equal("/api/v2/credentials/");
    expect(req.headers).to.deep.equal({
      host: new URL(credentials.url).host,
      "user-agent": "openedx-workers (credentials)",
      "content-type": "application/json",
      authorization: "JWT token-1",
      "content-length": String(Buffer.byteLength(body)),
      connection: "keep-alive",
    });
    expect(req.body).to.equal(body);
  }

  it("a passing generation → one award request, with a JWT of the Credentials worker from the LMS token endpoint", async () => {
    const ctx = await world();
    credentials.on(CREDENTIALS_ROUTE, { status: 201, body: { id: 1 } });
    const course = await insertCourse(h.ds);
    const learner = await insertLearner(h.ds, course);
    await generator(ctx).generate(learner, course);

    await waitFor("the award request", async () => sent().length === 1);
    await settled(ctx);
    const cert = (await certificateRow(h.ds, learner, course))!;
    expect(sent()).to.have.length(1);
    expectExactRequest(sent()[0], expectedBody({
      username: await username(learner), status: "awarded", courseKey: course, mode: "verified", dateOverride: null,
      visibleDate: credentialsDate(cert.modified_date as Date),
    }));
    // edx-rest-api-client's token request for BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL …/oauth2.
    const [token] = lms.received(TOKEN_ROUTE);
    expect(token.headers["content-type"]).to.equal("application/x-www-form-urlencoded");
    expect(token.body).to.equal("grant_type=client_credentials&client_id=credentials-worker-key&client_secret=credentials-worker-secret&token_type=jwt");
    const job = (await awardJob(ctx, learner, course))!;
    expect(job.returnvalue).to.deep.include({ status: "done", credentialStatus: "awarded", httpStatus: 201 });
  });

  it("a revocation → one revoked request; a certificate in a mode Credentials does not track (honor) → none", async () => {
    const ctx = await world();
    credentials.on(CREDENTIALS_ROUTE, { status: 201, body: {} });
    const course = await insertCourse(h.ds);
    const failing = await insertLearner(h.ds, course, { percent: 0.2, passed: false });
    await insertCertificate(h.ds, failing, course, { status: "downloadable", grade: "0.9" });
    const honor = await insertLearner(h.ds, course, { mode: "honor" });
    await generator(ctx).markNotPassing(failing, course);
    await generator(ctx).generate(honor, course);

    await waitFor("the revoke request", async () => sent().length >= 1);
    await settled(ctx);
    const cert = (await certificateRow(h.ds, failing, course))!;
    expect(cert.status).to.equal("notpassing");
    expect(sent()).to.have.length(1);
    expectExactRequest(sent()[0], expectedBody({
      username: await username(failing), status: "revoked", courseKey: course, mode: "verified", dateOverride: null,
      visibleDate: credentialsDate(cert.modified_date as Date),
    }));
    expect((await certificateRow(h.ds, honor, course))!.status).to.equal("downloadable");
    expect((await awardJob(ctx, honor, course))!.returnvalue).to.deep.include({ status: "skipped", reason: "mode-not-relevant" });
  });

  it("a date override set and cleared → the two requests upstream sends: date_override, then null", async () => {
    const ctx = await world();
    credentials.on(CREDENTIALS_ROUTE, { status: 201, body: {} });
    const course = await insertCourse(h.ds);
    const learner = await insertLearner(h.ds, course);
    const certificateId = await insertCertificate(h.ds, learner, course, { status: "downloadable" });
    const staff = await insertLearner(h.ds, course);
    const overrides = new CertificateDateOverrideService(ctx.dataSource, ctx.certificateSignals);

    await overrides.set({ certificateId, date: new Date("2024-05-01T00:00:00Z"), reason: "late grade", actingUserId: staff });
    await waitFor("the request with the override", async () => sent().length === 1);
    await settled(ctx);
    await overrides.clear({ certificateId, actingUserId: staff });
    await waitFor("the request without it", async () => sent().length === 2);
    await settled(ctx);

    const base = { username: await username(learner), status: "awarded" as const, courseKey: course, mode: "verified", visibleDate: "2024-01-01T00:00:00Z" };
    expect(sent()).to.have.length(2);
    expectExactRequest(sent()[0], expectedBody({ ...base, dateOverride: "2024-05-01T00:00:00Z" }));
    expectExactRequest(sent()[1], expectedBody({ ...base, dateOverride: null }));
  });

  it("a 500 then a 201 → retried as a delayed job after 2 ** retries seconds, the worker's only slot free meanwhile", async () => {
    // A first delay of a minute: the retry only comes when the test promotes it, so nothing depends on timing.
    const ctx = await world({ env: { CREDENTIALS_RETRY_BASE_MS: "60000" } });
    const course = await insertCourse(h.ds);
    const [a, b] = [await insertLearner(h.ds, course), await insertLearner(h.ds, course)];
    const [nameA, nameB] = [await username(a), await username(b)];
    let aTries = 0;
    credentials.on(CREDENTIALS_ROUTE, (req): Reply => (req.body.includes(`"${nameA}"`) && aTries++ === 0 ? { status: 500, body: "<h1>Server Error</h1>" } : { status: 201, body: {} }));
    await generator(ctx).generate(a, course);
    await waitFor("a's first try", async () => sent().length === 1);
    await generator(ctx).generate(b, course);

    // With concurrency 1, b's request can only be sent if a's job does not hold the slot while it waits.
    await waitFor("b sent while a waits", async () => sent().some((r) => r.body.includes(`"${nameB}"`)));
    const jobA = await awardJobIn(ctx, a, course, "delayed");
    expect((await awardJob(ctx, a, course))!.data).to.deep.equal({ userId: a, courseKey: course, retries: 1 });
    expect((await ctx.queues.queue(QueueName.Credentials).getJobLogs(jobA.id!)).logs).to.deep.equal(["Credentials answered 500; retry 1 of 11 in 60000 ms"]);

    await jobA.promote();
    await settled(ctx);
    const toA = sent().filter((r) => r.body.includes(`"${nameA}"`));
    expect(toA).to.have.length(2);
    expect(toA[1].body).to.equal(toA[0].body);
    expect(sent()).to.have.length(3);
    expect((await awardJob(ctx, a, course))!.returnvalue).to.deep.include({ status: "done", httpStatus: 201, retries: 1 });
  });

  it("with learner issuance or the configuration disabled in CredentialsApiConfig → no request, the job waits and says why, and nothing is lost", async () => {
    const { ctx, job } = await awardWaitingForIssuance();
    const reason = "Task award_course_certificate cannot be executed when credentials issuance is disabled in API config";
    expect((await ctx.queues.queue(QueueName.Credentials).getJobLogs(job.id!)).logs).to.deep.equal([`${reason}; retry 1 of 11 in 60000 ms`]);
    expect(sent()).to.have.length(0);
    expect(lms.received(TOKEN_ROUTE)).to.have.length(0);
    expect(await outboxRows()).to.equal(1);

    // A newer row with learner issuance on but the configuration itself disabled: still no send.
    await setCredentialsApiConfig(h.ds, { enabled: false, learnerIssuance: true, changeDate: new Date(Date.now() + 1000) });
    await job.promote();
    const logs = async () => (await ctx.queues.queue(QueueName.Credentials).getJobLogs(job.id!)).logs;
    await waitFor("the second try", async () => (await logs()).length === 2 && (await job.getState()) === "delayed");
    expect((await logs())[1]).to.equal(`${reason}; retry 2 of 11 in 120000 ms`);
    expect(sent()).to.have.length(0);

    // An operator turns both on (a newer configuration row); the next try sends the certificate.
    await setCredentialsApiConfig(h.ds, { enabled: true, learnerIssuance: true, changeDate: new Date(Date.now() + 2000) });
    await job.promote();
    await waitFor("the award request", async () => sent().length === 1);
    await settled(ctx);
    expect(JSON.parse(sent()[0].body)).to.deep.include({ status: "awarded" });
  });

  it("gives up after CREDENTIALS_MAX_RETRIES with upstream's reason, keeps the change, and retry-failed gets the whole window again", async () => {
    const ctx = await world({ env: { CREDENTIALS_MAX_RETRIES: "1", CREDENTIALS_RETRY_BASE_MS: "100" } });
    const replies: Reply[] = [{ status: 503 }, { status: 503 }, { status: 201, body: {} }];
    credentials.on(CREDENTIALS_ROUTE, replies);
    const course = await insertCourse(h.ds);
    const learner = await insertLearner(h.ds, course);
    await generator(ctx).generate(learner, course);

    const job = await awardJobIn(ctx, learner, course, "failed");
    expect(job.failedReason).to.equal(`Failed to award course certificate for user ${learner} for course ${course}. Reason: Credentials answered 503 (gave up after 1 retries)`);
    expect(job.data).to.deep.equal({ userId: learner, courseKey: course });
    expect(await outboxRows()).to.equal(1);

    await job.retry();
    await settled(ctx);
    expect(sent()).to.have.length(3);
  });

  it("the visible date is the course's certificate available date (instructor-paced, end_with_date, auto generation on); the username reaches neither Redis nor logs", async () => {
    const { logger, text } = capturedLogger();
    const ctx = await world({ logger });
    credentials.on(CREDENTIALS_ROUTE, { status: 201, body: { username: "echoed" } });
    await setWaffleSwitch(h.ds, AUTO_GENERATION, true);
    const course = await insertCourse(h.ds);
    await h.ds.query(`UPDATE course_overviews_courseoverview SET self_paced = 0, certificates_display_behavior = 'end_with_date', certificate_available_date = ? WHERE id = ?`, [new Date("2030-02-03T04:05:06Z"), course]);
    const learner = await insertLearner(h.ds, course);
    await generator(ctx).generate(learner, course);

    await waitFor("the award request", async () => sent().length === 1);
    await settled(ctx);
    expect(JSON.parse(sent()[0].body).attributes).to.deep.equal([{ name: "visible_date", value: "2030-02-03T04:05:06Z" }]);
    const name = await username(learner);
    expect(await dumpPrefix(h.prefix)).not.to.include(name);
    expect(text()).to.include(`certificate for course ${course} to user ${learner}`);
    expect(text()).not.to.include(name);
  });

  it("a site configuration of the course's org decides as upstream: its Credentials URL is used, its ENABLE_LEARNER_RECORDS false sends nothing", async () => {
    const other = await FakeHttpService.start();
    try {
      const ctx = await world();
      credentials.on(CREDENTIALS_ROUTE, { status: 201, body: {} });
      other.on(CREDENTIALS_ROUTE, { status: 201, body: {} });
      const routed = await insertCourse(h.ds, { key: "course-v1:RoutedX+C1+R1" });
      const noRecords = await insertCourse(h.ds, { key: "course-v1:NoRecordsX+C1+R1" });
      await insertSiteConfiguration(h.ds, { course_org_filter: ["RoutedX"], CREDENTIALS_INTERNAL_SERVICE_URL: `${other.url}/ignored-path` });
      await insertSiteConfiguration(h.ds, { course_org_filter: "NoRecordsX", ENABLE_LEARNER_RECORDS: false });
      const [a, b] = [await insertLearner(h.ds, routed), await insertLearner(h.ds, noRecords)];
      await generator(ctx).generate(a, routed);
      await generator(ctx).generate(b, noRecords);

      await waitFor("the routed request", async () => other.received(CREDENTIALS_ROUTE).length === 1);
      await settled(ctx);
      expect(sent()).to.have.length(0);
      expect(JSON.parse(other.received(CREDENTIALS_ROUTE)[0].body).credential.course_run_key).to.equal(routed);
      expect((await awardJob(ctx, b, noRecords))!.returnvalue).to.deep.include({ status: "skipped", reason: "learner-records-disabled" });
    } finally {
      await other.close();
    }
  });

  it("changes while a job waits are sent once, as the certificate then is; without CREDENTIALS_INTERNAL_SERVICE_URL nothing is recorded", async () => {
    const { ctx, course, learner, job } = await awardWaitingForIssuance();
    await setGrade(h.ds, learner, course, 0.1, false);
    await generator(ctx).markNotPassing(learner, course);
    await setCredentialsApiConfig(h.ds, { enabled: true, learnerIssuance: true, changeDate: new Date(Date.now() + 1000) });
    await job.promote();
    await waitFor("the request", async () => sent().length === 1);
    await settled(ctx);
    expect(sent()).to.have.length(1);
    expect(JSON.parse(sent()[0].body).status).to.equal("revoked");

    const off = await h.context({ env: { CREDENTIALS_INTERNAL_SERVICE_URL: "" } });
    const other = await insertLearner(h.ds, course);
    await generator(off).generate(other, course);
    expect(await outboxRows()).to.equal(0);
  });
});
