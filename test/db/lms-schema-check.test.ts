import { expect } from "chai";
import { ConfigurationTableMissingError, addConfigurationRow, configurationHistory } from "../../src/producers/command-configuration.producer";
import { LmsSchemaInspector } from "../../src/db/lms-schema/lms-schema-inspector";
import { registryTables } from "../../src/db/lms-schema/lms-schema-registry";
import { QueueName } from "../../src/queues/registry";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";
import { certificateRow, insertCourse, insertLearner, verifyIdentity } from "../certificate-generation/generation-fixtures";

/** No stack trace: an expected error is one message, never "    at …" lines. */
const STACK_LINE = /^\s+at /m;

describe("the LMS schema check: check-lms-schema and every worker's start", function () {
  // Real-schema databases (497 tables) take a while to build on a busy machine.
  this.timeout(120000);
  let h: Harness;
  afterEach(async () => h?.close());

  const cli = (...argv: string[]) => runCliInProcess(argv, h.env());

  it("a required column dropped from edx-platform's schema: check-lms-schema and a worker of its family exit 2 naming table.column and the family", async () => {
    // The real LMS schema whatever TEST_LMS_SCHEMA says: what an operator's database looks like.
    h = await Harness.create({ lmsSchema: "real" });
    await h.ds.query("ALTER TABLE certificates_generatedcertificate DROP COLUMN download_uuid");

    const check = await cli("check-lms-schema");
    expect(check.code, check.out + check.err).to.equal(2);
    expect(check.out.split("\n").filter((l) => l.startsWith("error: "))).to.deep.equal([
      "error: missing certificates_generatedcertificate.download_uuid: needed by purge, generation, retirement",
    ]);
    expect(check.out).to.match(/LMS schema NOT usable: 1 required item missing/);

    const json = await cli("check-lms-schema", "--json");
    expect(json.code).to.equal(2);
    const report = JSON.parse(json.out);
    expect(report.ok).to.equal(false);
    expect(report.missingRequired).to.deep.equal([{ table: "certificates_generatedcertificate", column: "download_uuid", families: ["purge", "generation", "retirement"] }]);

    const worker = spawnCli(["worker", "--queues", QueueName.CertificateGeneration], h.env({ LOG_LEVEL: "info" }));
    const { code } = await exitOf(worker, 30000);
    expect(code, worker.output()).to.equal(2);
    expect(worker.output()).to.contain("missing certificates_generatedcertificate.download_uuid: needed by generation");
    expect(worker.output()).to.not.match(STACK_LINE);

    // A worker whose families do not use the column starts (and, idle, exits 0).
    const organizations = spawnCli(["worker", "--queues", QueueName.Organizations, "--until-idle"], h.env());
    expect((await exitOf(organizations, 30000)).code, organizations.output()).to.equal(0);
    expect((await cli("check-lms-schema", "--queues", QueueName.Organizations)).code).to.equal(0);
  });

  it("the event consumer role's tables are checked in every worker with EVENT_BUS_CONSUME topics, whatever its queues", async () => {
    h = await Harness.create({ lmsSchema: "real" });
    await h.ds.query("ALTER TABLE waffle_switch DROP COLUMN active");
    const consuming = { EVENT_BUS_CONSUME: "org.openedx.learning.course.passing.status.updated.v1" };

    const worker = spawnCli(["worker", "--queues", QueueName.CertificateEvents], h.env(consuming));
    expect((await exitOf(worker, 30000)).code, worker.output()).to.equal(2);
    expect(worker.output()).to.contain("missing waffle_switch.active: needed by event-consumer");
    expect(worker.output()).to.not.match(STACK_LINE);
    const check = await runCliInProcess(["check-lms-schema", "--queues", QueueName.CertificateEvents], h.env(consuming));
    expect(check.code).to.equal(2);
    expect(check.out.split("\n").filter((l) => l.startsWith("error: "))).to.deep.equal(["error: missing waffle_switch.active: needed by event-consumer"]);

    // Without consume topics the role does not run, and a worker of the same queue starts.
    const plain = spawnCli(["worker", "--queues", QueueName.CertificateEvents, "--until-idle"], h.env());
    expect((await exitOf(plain, 30000)).code, plain.output()).to.equal(0);
  });

  it("an optional table missing: the worker starts, logs the one line naming what is skipped, and the jobs that touch it succeed", async () => {
    h = await Harness.create();
    await h.ds.query("DROP TABLE certificates_historicalgeneratedcertificate");
    const course = await insertCourse(h.ds);
    const learners = [await insertLearner(h.ds, course), await insertLearner(h.ds, course, { mode: "honor", percent: 0.75 })];

    const check = await cli("check-lms-schema");
    expect(check.code, check.out).to.equal(0);
    // (A real-schema database lacks other optional tables too: only this one's line is looked at.)
    expect(check.out.split("\n").filter((l) => l.startsWith("warning: ") && l.includes("certificates_historicalgeneratedcertificate"))).to.deep.equal([
      "warning: missing table certificates_historicalgeneratedcertificate (optional, a history table): generation skips the history row of each certificate generation writes; retirement skips blanking the learner's name in certificate history rows",
    ]);

    expect((await cli("generate-certificates", "--course-key", course, "--all-enrolled")).code).to.equal(0);
    const worker = spawnCli(["worker", "--queues", QueueName.CertificateGeneration, "--until-idle"], h.env({ LOG_LEVEL: "info" }));
    expect((await exitOf(worker, 30000)).code, worker.output()).to.equal(0);
    const lines = worker.output().split("\n").filter((l) => l.includes("certificates_historicalgeneratedcertificate"));
    expect(lines, worker.output()).to.have.length(1);
    expect(lines[0]).to.match(/warn/).and.to.contain("generation skips the history row of each certificate generation writes");

    for (const userId of learners) expect(await certificateRow(h.ds, userId, course)).to.deep.include({ status: "downloadable" });
    const ctx = await h.context();
    const counts = await ctx.queues.queue(QueueName.CertificateGeneration).getJobCounts("completed", "failed");
    expect(counts).to.deep.equal({ completed: 1, failed: 0 });
  });

  it("ID verification required, on an LMS before Sumac (no verify_student_verificationattempt): generation decides as upstream did then", async () => {
    h = await Harness.create({ env: { ENABLE_CERTIFICATES_IDV_REQUIREMENT: "true", CERTIFICATE_GENERATION_RETRY_DELAY_MS: "50" } });
    await h.ds.query("DROP TABLE verify_student_verificationattempt");
    const course = await insertCourse(h.ds);
    const photo = await insertLearner(h.ds, course);
    const manual = await insertLearner(h.ds, course);
    const unverified = await insertLearner(h.ds, course);
    const audit = await insertLearner(h.ds, course, { mode: "audit" });
    await verifyIdentity(h.ds, photo, { table: "verify_student_softwaresecurephotoverification" });
    await verifyIdentity(h.ds, manual, { table: "verify_student_manualverification" });

    const { ctx } = await h.worker({ queues: [QueueName.CertificateGeneration] });
    expect((await cli("generate-certificates", "--course-key", course, "--all-enrolled")).code).to.equal(0);
    const queue = ctx.queues.queue(QueueName.CertificateGeneration);
    const counts = await waitFor("the generation job to finish", async () => {
      const c = await queue.getJobCounts("wait", "active", "delayed", "prioritized", "completed", "failed");
      return c.wait + c.active + c.delayed + c.prioritized === 0 && c.completed + c.failed >= 1 && c;
    });
    expect(counts).to.include({ completed: 1, failed: 0 });
    expect(await certificateRow(h.ds, photo, course)).to.deep.include({ status: "downloadable", mode: "verified" });
    expect(await certificateRow(h.ds, manual, course)).to.deep.include({ status: "downloadable", mode: "verified" });
    // generate_regular_certificate: a passing learner in a verified mode without an approved verification.
    expect(await certificateRow(h.ds, unverified, course)).to.deep.include({ status: "unverified", mode: "verified" });
    expect(await certificateRow(h.ds, audit, course), "audit is not eligible: no certificate").to.equal(undefined);
    expect(await h.ds.query("SELECT * FROM openedx_workers_failed_task")).to.deep.equal([]);
  });

  it("the PDF purge's configuration table missing (an LMS before Teak): no stored arguments, never a failure", async () => {
    h = await Harness.create();
    await h.ds.query("DROP TABLE certificates_purgereferencestopdfcertificatescommandconfigur95fa");

    const check = await cli("check-lms-schema", "--queues", QueueName.CertificatePurge);
    expect(check.code).to.equal(0);
    expect(check.out).to.contain("warning: missing table certificates_purgereferencestopdfcertificatescommandconfigur95fa (optional, added in Teak (2025-06)): purge skips stored purge arguments");

    // ConfigurationModel.current() with no row: disabled, upstream's message, exit 1 (a refusal, not a crash).
    const stored = await runCliInProcess(["purge-pdf-certificates", "--args-from-database"], h.env({ CERTIFICATES_BUCKET: "not-reached" }));
    expect(stored.code, stored.err).to.equal(1);
    expect(stored.err).to.contain("PurgeReferencestoPDFCertificatesCommandConfiguration is disabled, but --args-from-database was requested");
    expect(stored.err).to.not.match(STACK_LINE);

    // The nightly sweep (also the purge queue's scheduled job) finds no stored purge to re-check.
    const sweep = await cli("sweep-stuck-work");
    expect(sweep.code, sweep.err).to.equal(0);
    expect(sweep.out).to.contain("PDF certificate purges: 0 unfinished, 0 re-enqueued");

    // The console's page: no rows, and adding one is refused with a message naming the table.
    expect(await configurationHistory(h.ds, "purge")).to.deep.equal([]);
    let refused: unknown;
    await addConfigurationRow(h.ds, "purge", { enabled: true, arguments: "--certificate_ids 1", changedById: 1 }).catch((err) => (refused = err));
    expect(refused).to.be.instanceOf(ConfigurationTableMissingError);
    expect((refused as Error).message).to.contain("certificates_purgereferencestopdfcertificatescommandconfigur95fa");
    expect(await configurationHistory(h.ds, "generation"), "the generation table is untouched").to.deep.equal([]);
  });

  it("one information_schema query per process: the registry's tables and the operator's extra ones together, then cached", async () => {
    h = await Harness.create();
    await h.ds.query("CREATE TABLE local_plugin_learnerdata (id int PRIMARY KEY, user_id int NOT NULL, Note varchar(10))");
    const queries: unknown[][] = [];
    const em = { query: (sql: string, params: unknown[]) => (queries.push(params), h.ds.query(sql, params)) } as unknown as import("typeorm").EntityManager;
    const inspector = new LmsSchemaInspector(h.ds);
    const first = await inspector.snapshot(em, ["local_plugin_learnerdata"]);
    const again = await inspector.snapshot(em, ["local_plugin_learnerdata"]);
    await inspector.snapshot(em);
    expect(queries, "read once").to.have.length(1);
    expect(queries[0][0]).to.have.members([...registryTables(), "local_plugin_learnerdata"]);
    expect(again).to.equal(first);
    expect(first.hasColumn("local_plugin_learnerdata", "note"), "column names compare as MySQL does, case-insensitively").to.equal(true);
    expect(first.hasColumn("local_plugin_learnerdata", "name")).to.equal(false);
    // A table not read yet makes one more read (of everything), never a stale answer.
    await inspector.snapshot(em, ["another_local_table"]);
    expect(queries).to.have.length(2);
  });
});
