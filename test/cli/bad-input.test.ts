import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import IORedis from "ioredis";
import type { DataSource } from "typeorm";
import { ALL_QUEUES, JobName, QueueName } from "../../src/queues/registry";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { insertPdfCertificate } from "../support/fixtures";
import { Harness } from "../support/harness";
import { freePort, OwnRedis } from "../support/own-redis";
import { dumpPrefix } from "../support/redis-keys";
import { services } from "../support/services";
import { waitFor } from "../support/wait";
import { RETIREMENT_ENV, insertLearner, requestRetirements } from "../retirement/retirement-fixtures";

/**
 * Issue 8's bad-input acceptance as two tables. Malformed job payloads (and job names on the wrong queue), for every
 * queue: each fails permanently at its first attempt with its reason, and nothing changes (every table's checksum,
 * the bucket, no other job). CLI and configuration values, each run through the compiled binary: its exit code
 * (2 usage/configuration, 1 operational), a fragment of its one-line error, no stack trace, and nothing changed.
 */

/** Every table's CHECKSUM: equal before and after means no row of any table changed. */
async function checksums(ds: DataSource): Promise<Record<string, string>> {
  const tables: Array<Record<string, string>> = await ds.query("SHOW TABLES");
  const names = tables.map((t) => Object.values(t)[0]);
  const rows: Array<{ Table: string; Checksum: string }> = await ds.query(`CHECKSUM TABLE ${names.map((n) => `\`${n}\``).join(", ")}`);
  return Object.fromEntries(rows.map((r) => [r.Table.split(".").pop()!, String(r.Checksum)]));
}

describe("bad input: malformed payloads and bad CLI/config values fail clearly and change nothing", function () {
  this.timeout(120000);
  let h: Harness;
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await h?.close();
  });

  it("every queue: a malformed payload or a job name of another queue fails at its first attempt with its reason, changing nothing", async () => {
    h = await Harness.create({ bucket: true, env: { ...RETIREMENT_ENV, JOB_ATTEMPTS: "5" } });
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.bucket!.put(keys);
    const learner = await insertLearner(h);
    await requestRetirements(h, [learner.userId]);
    const c = certificate.id;
    const u = learner.userId;
    const course = "course-v1:OrgX+C1+2026";

    // Values that MySQL would coerce into an id (or that are out of an INT id's range).
    const badIds: Array<[unknown, RegExp]> = [
      [`${c}abc`, /expected number, received string/],
      [`${c} OR 1=1`, /expected number, received string/],
      [true, /expected number, received boolean/],
      [[c], /expected number, received array/],
      [null, /expected number, received null/],
      [0, />=1/],
      [-1, />=1/],
      [2 ** 31, /<=2147483647/],
      [c + 0.5, /expected int/],
      [1e300, /<=2147483647|expected int/],
    ];
    type Case = [QueueName, string, unknown, RegExp];
    const cases: Case[] = [];
    const idJobs: Array<[QueueName, JobName, (v: unknown) => unknown, string]> = [
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, (v) => ({ certificateId: v }), "certificateId"],
      [QueueName.CertificatePurge, JobName.PurgePdfCertificates, (v) => ({ certificateIds: [c, v] }), "certificateIds.1"],
      [QueueName.CertificateGeneration, JobName.GenerateCertificate, (v) => ({ userId: v, courseKey: course }), "userId"],
      [QueueName.CertificateGeneration, JobName.MarkCertificateNotPassing, (v) => ({ userId: v, courseKey: course }), "userId"],
      [QueueName.LearnerRetirement, JobName.RetireLearner, (v) => ({ userId: v }), "userId"],
    ];
    for (const [queue, name, payload, field] of idJobs) {
      for (const [value, why] of badIds) cases.push([queue, name, payload(value), new RegExp(`^malformed ${name} payload: ${field.replace(".", "\\.")}: .*${why.source}`, "i")]);
      cases.push([queue, name, {}, new RegExp(`^malformed ${name} payload: ${field.split(".")[0]}: `)]);
      cases.push([queue, name, null, new RegExp(`^malformed ${name} payload: payload: .*expected object`, "i")]);
      cases.push([queue, name, [c], new RegExp(`^malformed ${name} payload: payload: .*expected object, received array`, "i")]);
      cases.push([queue, name, String(c), new RegExp(`^malformed ${name} payload: payload: .*expected object, received string`, "i")]);
    }
    cases.push(
      [QueueName.CertificatePurge, JobName.PurgePdfCertificates, { certificateIds: [] }, /certificateIds: .*>=1 items/i],
      [QueueName.CertificatePurge, JobName.PurgePdfCertificate, { certificateId: c, username: "ada" }, /Unrecognized key.*username/i],
      [QueueName.CertificateGeneration, JobName.GenerateCertificate, { userId: u, courseKey: "not a key" }, /courseKey: is not a course run key/],
      [QueueName.CertificateGeneration, JobName.GenerateCertificate, { userId: u, courseKey: "x".repeat(300) }, /courseKey: .*<=255/],
      [QueueName.CertificateGeneration, JobName.GenerateCertificatesFromDatabase, { courseKey: course }, /Unrecognized key/i],
      [QueueName.LearnerRetirement, JobName.RetireLearners, { limit: 1 }, /Unrecognized key/i],
      [QueueName.LearnerRetirement, JobName.RetireLearner, { userId: u, retry: { state: "RETIRING_LMS; DROP", failures: 1, firstFailureAt: 0 } }, /retry\.state: /],
      [QueueName.Organizations, JobName.BackfillOrganizations, { activate: "true" }, /activate: .*expected boolean/i],
      [QueueName.Organizations, JobName.BackfillOrganizationsChunk, { backfillId: "b1", chunk: "1abc", courses: null, organizations: [], activate: true }, /chunk: .*expected number/i],
      [QueueName.Organizations, JobName.BackfillOrganizationsChunk, { backfillId: "../x", chunk: 0, courses: null, organizations: [], activate: true }, /backfillId: /],
      [QueueName.CertificateEvents, JobName.PublishCertificateEvents, { certificateId: c }, /Unrecognized key/i],
    );
    // A job name on the wrong queue: each queue gets a job of another, with a payload that is valid for that job.
    const foreign: Array<[QueueName, JobName, unknown]> = [
      [QueueName.CertificatePurge, JobName.RetireLearner, { userId: u }],
      [QueueName.CertificateGeneration, JobName.PurgePdfCertificate, { certificateId: c }],
      [QueueName.LearnerRetirement, JobName.PurgePdfCertificates, { certificateIds: [c] }],
      [QueueName.Organizations, JobName.RetireLearner, { userId: u }],
      [QueueName.CertificateEvents, JobName.GenerateCertificate, { userId: u, courseKey: course }],
    ];
    for (const [queue, name, data] of foreign) cases.push([queue, name, data, new RegExp(`^job "${name}" does not belong to queue ${queue} \\(it belongs to `)]);
    for (const queue of ALL_QUEUES) cases.push([queue, "drop-everything", { certificateId: c }, new RegExp(`^unknown job name "drop-everything" on queue ${queue}$`)]);

    const before = await checksums(h.ds);
    const keysBefore = await h.bucket!.keys();
    await h.worker({ queues: [...ALL_QUEUES] });
    const ctx = await h.context();
    for (const [i, [queue, name, data]] of cases.entries()) await ctx.queues.queue(queue).add(name, data, { jobId: `bad-${i}` });
    await waitFor(`all ${cases.length} bad jobs to fail`, async () => {
      let failed = 0;
      for (const queue of ALL_QUEUES) failed += await ctx.queues.queue(queue).getFailedCount();
      return failed >= cases.length;
    }, { timeoutMs: 60000 });
    for (const [i, [queue, name, data, reason]] of cases.entries()) {
      const job = (await ctx.queues.queue(queue).getJob(`bad-${i}`))!;
      const label = `case ${i}: ${queue} ${name} ${JSON.stringify(data)}`;
      expect(await job.getState(), label).to.equal("failed");
      expect(job.attemptsMade, `${label}: failed at its first attempt`).to.equal(1);
      expect(job.failedReason, label).to.match(reason);
    }
    // Nothing changed: no row of any table, no object, and no job other than the bad ones.
    expect(await checksums(h.ds)).to.deep.equal(before);
    expect(await h.bucket!.keys()).to.deep.equal(keysBefore);
    for (const queue of ALL_QUEUES) {
      const counts = await ctx.queues.queue(queue).getJobCounts("waiting", "active", "delayed", "completed", "prioritized");
      expect(Object.values(counts).reduce((a, b) => a + b, 0), `${queue}: no other job ran or was enqueued`).to.equal(0);
    }
  });

  it("CLI and configuration values: each exits 2 (usage/config) or 1 (operational) with its one-line error, and changes nothing", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.bucket!.put(keys);
    const learner = await insertLearner(h);
    await requestRetirements(h, [learner.userId]);
    const yaml = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "owt-bad-")), "workers.yml");
    fs.writeFileSync(yaml, "WORKER_CONCURRENCY: 1000000\n");
    cleanups.push(() => fs.rmSync(path.dirname(yaml), { recursive: true, force: true }));
    const closedPort = await freePort();
    const dbUrl = new URL(h.db.url);
    const closedRedis = await OwnRedis.start();
    const closedRedisUrl = closedRedis.url;
    await closedRedis.stop();

    const redis99 = "redis://127.0.0.1:6379/99".replace("127.0.0.1:6379", new URL(services.redisUrl).host);
    const u = String(learner.userId);
    type Row = { label: string; argv: string[]; env?: Record<string, string>; code: 1 | 2; line: RegExp; spawn?: boolean };
    const usage = (label: string, argv: string[], line: RegExp, env: Record<string, string> = {}): Row => ({ label, argv, env, code: 2, line });
    const operational = (label: string, argv: string[], line: RegExp, env: Record<string, string> = {}): Row => ({ label, argv, env, code: 1, line });
    const binary = (row: Row): Row => ({ ...row, spawn: true });
    const rows: Row[] = [
      // Cron patterns cron-parser (BullMQ's scheduler) cannot run: refused at configuration, before any connection.
      binary(usage("cron 99 99 99 99 99", ["worker", "--until-idle"], /RETIREMENT_SCHEDULE_CRON: "99 99 99 99 99" is not a valid cron pattern: Constraint error, got value 99/, { RETIREMENT_SCHEDULE_CRON: "99 99 99 99 99" })),
      usage("cron */0", ["worker", "--until-idle"], /RETIREMENT_SCHEDULE_CRON: "\*\/0 \* \* \* \*" is not a valid cron pattern: /, { RETIREMENT_SCHEDULE_CRON: "*/0 * * * *" }),
      usage("cron 0 0 31 2 *", ["worker", "--until-idle"], /RETIREMENT_SCHEDULE_CRON: "0 0 31 2 \*" is not a valid cron pattern: /, { RETIREMENT_SCHEDULE_CRON: "0 0 31 2 *" }),
      usage("cron on config", ["config"], /RETIREMENT_SCHEDULE_CRON: "99 99 99 99 99" is not a valid cron pattern/, { RETIREMENT_SCHEDULE_CRON: "99 99 99 99 99" }),
      usage("organizations cron", ["config"], /ORGANIZATIONS_BACKFILL_CRON: "\*\/0 \* \* \* \*" is not a valid cron pattern/, { ORGANIZATIONS_BACKFILL_CRON: "*/0 * * * *" }),
      // Redis database index: a path that is not an index is a configuration error; an index the server does not
      // have is only known by asking it, so it is operational (exit 1), and nothing is written to database 0.
      usage("REDIS_URL …/abc", ["queues"], /REDIS_URL: the path must be a database index such as \/0, got "\/abc"/, { REDIS_URL: "redis://127.0.0.1:6379/abc" }),
      binary(operational("REDIS_URL …/99 (worker)", ["worker", "--until-idle", "--queues", "certificate-purge"], /^openedx-workers worker: Redis at [\d.]+:\d+\/99 refuses the database index: ERR DB index is out of range$/m, { REDIS_URL: redis99 })),
      operational("REDIS_URL …/99 (queues)", ["queues"], /^openedx-workers queues: Redis at [\d.]+:\d+\/99 refuses the connection \(database index or credentials\): ERR DB index is out of range$/m, { REDIS_URL: redis99 }),
      operational("REDIS_URL …/99 (producer)", ["purge-pdf-certificates", "--certificate-ids", String(certificate.id)], /^openedx-workers purge-pdf-certificates: Redis at [\d.]+:\d+\/99 refuses the connection .*DB index is out of range$/m, { REDIS_URL: redis99 }),
      operational("REDIS_URL …/99 (retry-failed)", ["retry-failed"], /^openedx-workers retry-failed: Redis at [\d.]+:\d+\/99 refuses the connection/m, { REDIS_URL: redis99 }),
      // Concurrency is capped on every path (the DB pool grows with it).
      binary(usage("--concurrency 1000000", ["worker", "--concurrency", "1000000"], /^openedx-workers worker: --concurrency must be at most 256, got 1000000$/m)),
      usage("--concurrency 0", ["worker", "--concurrency", "0"], /--concurrency must be at least 1/),
      usage("--concurrency 2abc", ["worker", "--concurrency", "2abc"], /--concurrency/),
      usage("WORKER_CONCURRENCY=1000000", ["worker"], /WORKER_CONCURRENCY: must be at most 256, got 1000000/, { WORKER_CONCURRENCY: "1000000" }),
      usage("WORKER_CONCURRENCY in YAML", ["worker"], /WORKER_CONCURRENCY: must be at most 256, got 1000000/, { OPENEDX_WORKERS_CONFIG: yaml }),
      usage('--queues ""', ["worker", "--queues", ""], /^openedx-workers worker: --queues names no queue$/m),
      usage("--queues ,", ["worker", "--queues", ","], /--queues names no queue|unknown queue/),
      usage("--queues nope", ["worker", "--queues", "nope"], /unknown queue nope/),
      usage('retry-failed --queues ""', ["retry-failed", "--queues", ""], /--queues names no queue/),
      usage("WORKER_SHUTDOWN_TIMEOUT_MS=1e15", ["worker"], /WORKER_SHUTDOWN_TIMEOUT_MS: must be a whole number, got "1e15"/, { WORKER_SHUTDOWN_TIMEOUT_MS: "1e15" }),
      usage("WORKER_SHUTDOWN_TIMEOUT_MS=10^15", ["worker"], /WORKER_SHUTDOWN_TIMEOUT_MS: /, { WORKER_SHUTDOWN_TIMEOUT_MS: "1000000000000000" }),
      usage("--limit with 30 digits", ["retire-learners", "--limit", "1".repeat(30)], /^openedx-workers retire-learners: --limit is out of range, got "1{30}"$/m),
      usage("--limit 0", ["retire-learners", "--limit", "0"], /--limit must be at least 1/),
      // Missing ids, invalid ids, invalid course key, unknown state: usage errors.
      usage("purge without ids", ["purge-pdf-certificates"], /^openedx-workers purge-pdf-certificates: You must specify one or more certificate IDs$/m),
      usage("purge with id 1abc", ["purge-pdf-certificates", "--certificate-ids", "1abc"], /invalid certificate id "1abc": ids are positive integers/),
      usage("purge with a 20-digit id", ["purge-pdf-certificates", "--certificate-ids", "9".repeat(20)], /invalid certificate id "9{20}"/),
      usage("request-retirement without learners", ["request-retirement"], /^openedx-workers request-retirement: You must specify --user-ids, --user-file, or --username with --user-email$/m),
      usage("generate without users", ["generate-certificates", "-c", "course-v1:OrgX+C1+2026"], /^openedx-workers generate-certificates: You must specify a list of users$/m),
      usage("generate without course key", ["generate-certificates", "-u", u], /^openedx-workers generate-certificates: You must specify a course-key$/m),
      usage("generate with an invalid course key", ["generate-certificates", "-u", u, "-c", "not a key"], /^openedx-workers generate-certificates: You must specify a valid course-key$/m),
      usage("retire-learners unknown state", ["retire-learners", "--states", "NOPE"], /^openedx-workers retire-learners: unknown retirement state\(s\): NOPE$/m),
      usage("retirement-status set unknown state", ["retirement-status", "set", "--user-id", u, "--state", "RETIRING_EVERYTHING", "--force"], /unknown retirement state "RETIRING_EVERYTHING"; the states are: PENDING, /),
      usage("retirement-status without user id", ["retirement-status", "set", "--state", "COMPLETE"], /--user-id is required/),
      usage("queues --queues nope", ["queues", "--queues", "nope"], /unknown queue nope/),
      // Operational: a service unreachable or refusing: one line naming it, exit 1.
      operational("closed database", ["purge-pdf-certificates", "--all"], /^openedx-workers purge-pdf-certificates: database at 127\.0\.0\.1:\d+\/\w+ is unreachable: .*ECONNREFUSED/m, { DATABASE_URL: `mysql://root@127.0.0.1:${closedPort}/edxapp` }),
      operational("wrong database password", ["retire-learners"], /^openedx-workers retire-learners: database at .* refuses the credentials: Access denied/m, { DATABASE_URL: h.db.url.replace(`${dbUrl.username}@`, `${dbUrl.username}:wrong@`) }),
      operational("unknown database", ["retire-learners"], /^openedx-workers retire-learners: database at .*\/no_such_db_8b has no such database/m, { DATABASE_URL: h.db.url.replace(/\/[^/]+$/, "/no_such_db_8b") }),
      operational("closed Redis (queues)", ["queues"], /^openedx-workers queues: Redis at 127\.0\.0\.1:\d+\/0 is unreachable or failing: /m, { REDIS_URL: closedRedisUrl }),
      operational("closed Redis (producer)", ["purge-pdf-certificates", "--certificate-ids", String(certificate.id)], /^openedx-workers purge-pdf-certificates: Redis at 127\.0\.0\.1:\d+\/0 is unreachable or failing: /m, { REDIS_URL: closedRedisUrl }),
      operational("closed Redis (retire-learners)", ["retire-learners"], /^openedx-workers retire-learners: Redis at 127\.0\.0\.1:\d+\/0 is unreachable or failing: /m, { REDIS_URL: closedRedisUrl }),
    ];

    const before = await checksums(h.ds);
    const keysBefore = await h.bucket!.keys();
    const db0 = new IORedis(services.redisUrl);
    cleanups.push(() => db0.disconnect());
    // In this process (fast: the exit code is runCli's return, as the binary's test checks); the worker rows that
    // reach a start-up check run as the compiled binary, two at a time.
    const results: Array<{ row: Row; code: number | null; out: string; err: string }> = [];
    const env = (row: Row) => h.env({ STARTUP_TIMEOUT_MS: "5000", LOG_LEVEL: "warn", ...row.env });
    for (const row of rows.filter((r) => !r.spawn)) {
      const { code, out, err } = await runCliInProcess(row.argv, env(row));
      results.push({ row, code, out: [out, err].filter(Boolean).join("\n"), err });
    }
    const spawned = rows.filter((r) => r.spawn);
    for (let i = 0; i < spawned.length; i += 2) {
      results.push(...(await Promise.all(spawned.slice(i, i + 2).map(async (row) => {
        const child = spawnCli(row.argv, env(row));
        const { code } = await exitOf(child, 30000);
        return { row, code, out: child.output(), err: child.output() };
      }))));
    }
    for (const { row, code, out, err } of results) {
      expect(code, `${row.label}: exit code\n${out}`).to.equal(row.code);
      expect(out, `${row.label}: its error`).to.match(row.line);
      expect(out, `${row.label}: no stack trace`).not.to.match(/\n\s+at /);
      // The error is one line (beside JSON log lines, a usage error's usage line, a configuration error's list).
      const errorLines = err.split("\n").filter((l) => l !== "" && !l.startsWith("{") && !l.startsWith("Usage: ") && !l.startsWith("  - ") && l !== "Invalid configuration:");
      expect(errorLines, `${row.label}: one line\n${out}`).to.have.length.at.most(1);
    }
    expect(await checksums(h.ds), "no row changed").to.deep.equal(before);
    expect(await h.bucket!.keys(), "no object deleted").to.deep.equal(keysBefore);
    expect(await dumpPrefix(h.prefix), "nothing enqueued").to.equal("");
    expect(await db0.keys(`${h.prefix}:*`), "nothing written to database 0 for …/99").to.deep.equal([]);
  });
  it("a worker riding out a Redis restart writes only JSON log lines: no ioredis 'Unhandled error event', no stack trace", async () => {
    h = await Harness.create({ bucket: true });
    const redis = await OwnRedis.start();
    cleanups.push(() => redis.stop());
    const { certificate, keys } = await insertPdfCertificate(h.ds, h.bucket!.name);
    await h.bucket!.put(keys);
    // Watchdog off, so the worker itself must take the job after the restart (nothing restarts it); the nightly sweeper
    // stays on as in production (its scheduler's far-off delayed job once seemed to idle the worker: the cause was a
    // lazily connecting BullMQ client, fixed in the worker).
    const child = spawnCli(["worker", "--queues", QueueName.CertificatePurge], h.env({ REDIS_URL: redis.url, LOG_LEVEL: "info", LOG_FORMAT: "json", WORKER_WATCHDOG_MS: "0" }));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    await waitFor("the worker to start", async () => child.output().includes("worker started"), { timeoutMs: 30000 });
    // At once: Redis goes away while the worker's connections may still be coming up (a lazily connected client
    // then never recovered, and the worker never took a job again).
    await redis.kill();
    await new Promise((r) => setTimeout(r, 3000)); // several reconnect attempts, each an ioredis 'error'
    await redis.up();
    const ctx = await h.context({ env: { REDIS_URL: redis.url } });
    const result = await runCliInProcess(["purge-pdf-certificates", "--certificate-ids", String(certificate.id)], h.env({ REDIS_URL: redis.url }));
    expect(result.code, result.err).to.equal(0);
    await waitFor("the purge after the restart", async () => (await ctx.queues.queue(QueueName.CertificatePurge).getCompletedCount()) === 1, { timeoutMs: 30000 }).catch((err: Error) => {
      throw new Error(`${err.message}; the worker said:\n${child.output().slice(-3000)}`);
    });
    child.kill("SIGTERM");
    expect((await exitOf(child, 15000)).code).to.equal(0);
    const lines = child.output().split("\n").filter((l) => l.trim() !== "");
    expect(lines.length).to.be.above(2);
    for (const line of lines) expect(() => JSON.parse(line), `not JSON: ${line}`).not.to.throw();
    expect(child.output()).not.to.contain("Unhandled error event");
  });
});
