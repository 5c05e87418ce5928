import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { silentLogger } from "../../src/logging/logger";
import { CertificateEventOutbox } from "../../src/services/event-bus/certificate-event-outbox";
import { CertificateEventPublisher } from "../../src/services/event-bus/certificate-event-publisher";
import { EventBusRedis } from "../../src/queues/event-bus-redis";
import { busEnv, lifecycleStream, readStream, WITH_CHANGED } from "../event-bus/bus-support";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { FakeHttpService } from "../support/fake-http-service";
import { dumpPrefix } from "../support/redis-keys";
import { createTestBucket, type TestBucket } from "../support/test-bucket";
import { waitFor } from "../support/wait";
import { IMAGE_SEED, seedErasureRows } from "./erasure-fixtures";
import { FULL_TRANSITIONS, lmsEnv, usernameBody } from "./http-fixtures";
import { insertUser } from "../support/fixtures";
import { insertLmsRow } from "../support/lms-seed";
import { RETIREMENT_ENV, capturedLogger, insertLearner, requestRetirements, responsesOf, stateOf, transitions } from "./retirement-fixtures";

const TEXT_TYPES = ["char", "varchar", "tinytext", "text", "mediumtext", "longtext", "json", "enum", "set", "binary", "varbinary", "blob", "tinyblob", "mediumblob", "longblob"];

/** Every `table.column` of the database whose value contains one of the needles (case-insensitive, as MySQL compares). */
async function scanDatabase(h: Harness, needles: string[]): Promise<string[]> {
  const columns: Array<{ t: string; c: string }> = await h.ds.query(
    "SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE IN (?) ORDER BY TABLE_NAME, ORDINAL_POSITION",
    [TEXT_TYPES],
  );
  const hits: string[] = [];
  for (const { t, c } of columns) {
    const conditions = needles.map(() => `LOWER(CONVERT(\`${c}\` USING utf8mb4)) LIKE ?`).join(" OR ");
    const [row] = await h.ds.query(`SELECT COUNT(*) AS n FROM \`${t}\` WHERE ${conditions}`, needles.map((n) => `%${n.toLowerCase()}%`));
    if (Number(row.n) > 0) hits.push(`${t}.${c}`);
  }
  return hits;
}

/** Every object key and body of the bucket that contains one of the needles. */
async function scanBucket(bucket: TestBucket, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const key of await bucket.keys()) {
    const got = await bucket.s3.send(new GetObjectCommand({ Bucket: bucket.name, Key: key }));
    const body = Buffer.from(await got.Body!.transformToByteArray()).toString("utf8").toLowerCase();
    if (needles.some((n) => key.toLowerCase().includes(n.toLowerCase()) || body.includes(n.toLowerCase()))) hits.push(key);
  }
  return hits;
}

function scanText(text: string, needles: string[]): string[] {
  return needles.filter((n) => text.toLowerCase().includes(n.toLowerCase()));
}

/**
 * The acceptance scan: a learner with a row in every table the service erases, profile image files, a PDF
 * certificate and certificate events published on the bus (whose Avro payload carries the username, email and name)
 * is retired to COMPLETE through the full default pipeline (forums and notes on a local HTTP server
 * playing the LMS); then every column of every table, the certificate/profile bucket, Redis and the
 * worker logs hold the original username, email and name nowhere but the status row; after archive-and-cleanup,
 * nowhere at all (the archive object, upstream's audit record, holds exactly the learner's line).
 */
describe("acceptance: no personal data left after retirement and archive-and-cleanup", function () {
  this.timeout(120000);
  let h: Harness;
  let archive: TestBucket | undefined;
  let lms: FakeHttpService | undefined;
  afterEach(async () => {
    await archive?.drop().catch(() => undefined);
    await h?.close();
    await lms?.close();
  });

  it("finds the learner's username, email and name only in the status row at COMPLETE, and nowhere after archive-retirements", async () => {
    lms = await FakeHttpService.start();
    lms.onToken().on("POST /api/discussion/v1/accounts/retire_forum/", { status: 204 }).on("POST /api/edxnotes/v1/retire_user/", { status: 204 });
    h = await Harness.create({ bucket: true, env: lmsEnv(lms, { PROFILE_IMAGE_HASH_SEED: IMAGE_SEED }) });
    archive = await createTestBucket();
    // Certificate events on, with the opt-in changed events, on streams under the test's prefix (which the Redis scan reads).
    const env = { PROFILE_IMAGE_BUCKET: h.bucket!.name, RETIREMENT_ARCHIVE_BUCKET: archive.name, ...busEnv(h.prefix, { EVENT_BUS_PRODUCER_CONFIG: WITH_CHANGED }) };
    const learner = await insertLearner(h, { pdf: true });
    const bystander = await insertLearner(h, { pdf: true });
    const rows = await seedErasureRows(h.ds, learner);
    const other = await seedErasureRows(h.ds, bystander);
    await h.bucket!.put([...rows.profileImageKeys, ...other.profileImageKeys]);
    // The needles: the original username, email, first and last name and full name.
    const needles = learner.pii;

    // Both learners' certificates were published to the bus before the request (created and changed events).
    const config = h.config(env);
    const bus = new EventBusRedis(config.eventBus.redisUrl);
    try {
      const outbox = new CertificateEventOutbox(config.eventBus);
      await outbox.record(h.ds.manager, { change: "saved", certificateId: [...learner.certificateIds, ...bystander.certificateIds] });
      expect((await new CertificateEventPublisher(h.ds, config.eventBus, bus, silentLogger()).drain()).published).to.be.greaterThan(0);
    } finally {
      await bus.close();
    }
    const published = await readStream(lifecycleStream(h.prefix));
    expect(published.filter((e) => "certificate" in e.data && e.data.certificate.user.id === learner.userId).length, "the learner's events").to.be.greaterThan(0);
    expect(scanText(await dumpPrefix(h.prefix), needles), "the bus streams hold the learner's PII before retirement").to.include(learner.pii[0]);

    expect(await scanDatabase(h, needles), "the seed put PII in every erasure table").to.include.members([
      "auth_user.username", "credit_creditrequest.username", "consent_historicaldatasharingconsent.username",
      "enterprise_pendingenterprisecustomeruser.user_email", "survey_surveyanswer.field_value", "verify_student_softwaresecurephotoverification.name",
    ]);

    await requestRetirements(h, [learner.userId]);
    const { logger, text } = capturedLogger();
    const cli: string[] = [];
    const enqueue = await runCliInProcess(["retire-learners"], h.env(env));
    cli.push(enqueue.out, enqueue.err);
    await h.worker({ queues: [QueueName.LearnerRetirement], logger, env });
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE", { timeoutMs: 60000 });
    expect(transitions(await responsesOf(h.ds, learner.userId)), "the full default pipeline").to.deep.equal(FULL_TRANSITIONS);
    // The forum and notes services were asked to retire the learner (by the original username, as upstream sends it).
    expect(lms.requests.filter((r) => r.body === usernameBody(learner.pii[0])).map((r) => r.url)).to.deep.equal(["/api/discussion/v1/accounts/retire_forum/", "/api/edxnotes/v1/retire_user/"]);

    expect(await scanDatabase(h, needles), "at COMPLETE: only the status row").to.deep.equal([
      "user_api_userretirementstatus.original_username",
      "user_api_userretirementstatus.original_email",
      "user_api_userretirementstatus.original_name",
    ]);
    expect(await scanBucket(h.bucket!, needles), "certificate and profile image bucket").to.deep.equal([]);
    expect(scanText(await dumpPrefix(h.prefix), needles), "Redis: queues and the bus streams").to.deep.equal([]);
    const remaining = await readStream(lifecycleStream(h.prefix));
    expect(remaining.length, "only the learner's events were deleted").to.be.greaterThan(0);
    expect(remaining.every((e) => "certificate" in e.data && e.data.certificate.user.id === bystander.userId), "the bystander's events stay").to.equal(true);
    expect(scanText(text() + cli.join("\n"), needles), "worker logs and CLI output").to.deep.equal([]);
    expect(await h.bucket!.keys(), "only the bystander's files remain").to.deep.equal([...other.profileImageKeys, ...bystander.pdfKeys].sort());

    const run = await runCliInProcess(["archive-retirements", "--cool-off-days", "0"], h.env(env));
    expect(run.code, run.err).to.equal(0);
    cli.push(run.out, run.err);

    expect(await scanDatabase(h, needles), "after archive-and-cleanup: nowhere").to.deep.equal([]);
    expect(await scanBucket(h.bucket!, needles)).to.deep.equal([]);
    expect(scanText(await dumpPrefix(h.prefix), needles)).to.deep.equal([]);
    expect(scanText(text() + cli.join("\n"), needles)).to.deep.equal([]);

    const [key] = await archive.keys();
    const got = await archive.s3.send(new GetObjectCommand({ Bucket: archive.name, Key: key }));
    const lines = gunzipSync(Buffer.from(await got.Body!.transformToByteArray())).toString("utf8").split("\n").filter(Boolean);
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0])).to.include({ user_id: learner.userId, original_username: learner.pii[0], original_email: learner.pii[1], original_name: learner.pii[4] });
    // The bystander, never retired, still has all of their data.
    expect(await scanDatabase(h, [bystander.pii[0]])).to.include("auth_user.username");
  });

  it("with the partner queue step: the learner's reporting row holds PII until partner-report delivers it, then only the report file does", async () => {
    const states = ["PENDING", "LOCKING_ACCOUNT", "LOCKING_COMPLETE", "RETIRING_EMAIL_LISTS", "EMAIL_LISTS_COMPLETE", "RETIRING_ENROLLMENTS", "ENROLLMENTS_COMPLETE", "ADDING_TO_PARTNER_QUEUE", "PARTNER_QUEUE_COMPLETE", "RETIRING_LMS", "LMS_COMPLETE", "ERRORED", "ABORTED", "COMPLETE"];
    const env = {
      ...RETIREMENT_ENV,
      RETIREMENT_STATES: JSON.stringify(states),
      RETIREMENT_PIPELINE: JSON.stringify([
        ["LOCKING_ACCOUNT", "LOCKING_COMPLETE", "LMS", "lock_account"],
        ["RETIRING_EMAIL_LISTS", "EMAIL_LISTS_COMPLETE", "LMS", "retire_misc"],
        ["RETIRING_ENROLLMENTS", "ENROLLMENTS_COMPLETE", "LMS", "unenroll"],
        ["ADDING_TO_PARTNER_QUEUE", "PARTNER_QUEUE_COMPLETE", "LMS", "add_to_partner_queue"],
        ["RETIRING_LMS", "LMS_COMPLETE", "LMS", "retire_lms"],
      ]),
      RETIREMENT_PARTNER_ORG_PARTNER_MAPPING: JSON.stringify({ OrgX: ["Partner X"], OrgY: ["Partner Y"], OrgZ: ["Partner X"] }),
      RETIREMENT_PARTNER_PARTNER_REPORT_PLATFORM_NAME: "Test",
    };
    h = await Harness.create({ env });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pii-partner-"));
    try {
      // Seeded through lms-seed (every NOT NULL column filled), so this case runs on the real schema too.
      const user = await insertUser(h.ds);
      await insertLmsRow(h.ds, "auth_userprofile", { user_id: user.id, name: `${user.firstName} ${user.lastName}` });
      for (const org of ["OrgX", "OrgY"]) await insertLmsRow(h.ds, "student_courseenrollment", { user_id: user.id, course_id: `course-v1:${org}+P${user.id}+2026`, mode: "audit", is_active: 1 });
      const learner = { userId: user.id, pii: [user.username, user.email, user.firstName, user.lastName, `${user.firstName} ${user.lastName}`] };
      const needles = learner.pii;
      await requestRetirements(h, [learner.userId], env);
      const { logger, text } = capturedLogger();
      const cli: string[] = [];
      const enqueue = await runCliInProcess(["retire-learners"], h.env());
      cli.push(enqueue.out, enqueue.err);
      await h.worker({ queues: [QueueName.LearnerRetirement], logger });
      await waitFor("COMPLETE", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE", { timeoutMs: 60000 });
      const partnerRow = ["original_username", "original_email", "original_name"].map((c) => `user_api_userretirementpartnerreportingstatus.${c}`);
      const statusRow = ["original_username", "original_email", "original_name"].map((c) => `user_api_userretirementstatus.${c}`);
      expect((await scanDatabase(h, needles)).sort(), "at COMPLETE: the status row and the partner reporting row").to.deep.equal([...statusRow, ...partnerRow].sort());

      const report = await runCliInProcess(["partner-report", "--output-dir", dir, "--no-upload"], h.env());
      expect(report.code, report.err).to.equal(0);
      cli.push(report.out, report.err);
      expect(await scanDatabase(h, needles), "after the report: only the status row").to.deep.equal(statusRow);
      const files = fs.readdirSync(dir);
      expect(files.sort()).to.deep.equal([`user_retirement_Test_Partner X_${new Date().toISOString().slice(0, 10)}.csv`, `user_retirement_Test_Partner Y_${new Date().toISOString().slice(0, 10)}.csv`]);
      for (const f of files) expect(scanText(fs.readFileSync(path.join(dir, f), "utf8"), needles), "the report files hold the PII by design").to.include.members([learner.pii[0], learner.pii[1]]);
      expect(scanText(await dumpPrefix(h.prefix), needles), "Redis").to.deep.equal([]);
      expect(scanText(text() + cli.join("\n"), needles), "logs and CLI output").to.deep.equal([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
