import { expect } from "chai";
import IORedis from "ioredis";
import { createConnection, type Connection } from "mysql2/promise";
import type { BackfillChunk } from "../../src/domain/organizations/organization-backfill";
import { TransientJobError } from "../../src/errors/transient-job-error";
import { QueueName, jobIds } from "../../src/queues/registry";
import { applyBackfillChunk, type ChunkResult } from "../../src/services/organizations/organization-backfill-store";
import { capturedLogger } from "../retirement/retirement-fixtures";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { waitFor } from "../support/wait";
import { expectedReport, insertCourseRuns, linkages, organizations, seedAcceptanceFixture, snapshot } from "./organization-fixtures";

/** 40 course runs over orgs that differ only by case: Alpha/alpha, BETA/Beta, gamma. */
const ORGS = ["Alpha", "alpha", "Beta", "BETA", "gamma"];
const RUNS = Array.from({ length: 40 }, (_, i) => `course-v1:${ORGS[i % ORGS.length]}+C${String(i).padStart(2, "0")}+R`);

async function runningStatements(h: Harness, prefix: string): Promise<number> {
  const rows = await h.ds.query("SELECT INFO FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE ?", [h.db.name, `${prefix}%`]);
  return rows.length;
}

describe("backfill-organizations: concurrent workers and crashes", function () {
  this.timeout(60000);
  let h: Harness;
  let held: Connection | undefined;
  afterEach(async () => {
    await held?.end().catch(() => undefined);
    held = undefined;
    await h?.close();
  });

  it("two workers on the same backfill (one course run per chunk) create each organization and linkage once", async () => {
    h = await Harness.create({ env: { ORGANIZATIONS_BACKFILL_CHUNK_SIZE: "1" } });
    await insertCourseRuns(h.ds, RUNS);
    const one = capturedLogger();
    const two = capturedLogger();
    await h.worker({ queues: [QueueName.Organizations], logger: one.logger, concurrency: 4 });
    await h.worker({ queues: [QueueName.Organizations], logger: two.logger, concurrency: 4 });

    const r = await runCliInProcess(["backfill-organizations", "--apply"], h.env());
    expect(r.code, r.err).to.equal(0);
    expect((await organizations(h.ds)).map((o) => o.short_name).sort()).to.deep.equal(["Alpha", "BETA", "gamma"]);
    const canonical = (org: string) => ({ alpha: "Alpha", beta: "BETA", gamma: "gamma" })[org.toLowerCase()]!;
    expect(await linkages(h.ds)).to.deep.equal(RUNS.map((id) => `${canonical(id.split(/[:+]/)[1])},${id},1`).sort());
    expect(r.out).to.contain("Created 3 organizations:\n    Alpha\n    BETA\n    gamma\nReactivated 0 organizations:");
    expect(r.out).to.contain("Created 40 organization-course linkages:");
    const completed = (text: string) => text.split("\n").filter((l) => l.includes('"job completed"') || l.includes("job completed")).length;
    expect(completed(one.text()), "worker 1 took chunks").to.be.greaterThan(0);
    expect(completed(two.text()), "worker 2 took chunks").to.be.greaterThan(0);
  });

  it("the same chunk delivered twice at once: one applies it, the other waits and replays its outcome", async () => {
    h = await Harness.create();
    await insertCourseRuns(h.ds, RUNS);
    const chunk: BackfillChunk = { backfillId: "run-same", chunk: 0, courses: { afterId: null, lastId: RUNS[RUNS.length - 1] }, organizations: ["Alpha", "BETA", "gamma"], activate: true };
    const results = await Promise.all([applyBackfillChunk(h.ds, chunk), applyBackfillChunk(h.ds, chunk)]);
    expect(results.map((r) => r.replayed).sort()).to.deep.equal([false, true]);
    const strip = ({ replayed: _r, ...outcome }: ChunkResult) => JSON.parse(JSON.stringify(outcome));
    expect(strip(results[0])).to.deep.equal(strip(results[1]));
    expect(results[0].organizationsCreated).to.deep.equal(["Alpha", "BETA", "gamma"]);
    expect(results[0].linkagesCreated).to.have.length(40);
    expect(await linkages(h.ds)).to.have.length(40);
  });

  it("two different backfills over the same course runs at once: each row once, the two reports add up to the rows", async () => {
    h = await Harness.create();
    await insertCourseRuns(h.ds, RUNS);
    const chunk = (backfillId: string): BackfillChunk => ({ backfillId, chunk: 0, courses: { afterId: null, lastId: RUNS[RUNS.length - 1] }, organizations: ["Alpha", "BETA", "gamma"], activate: true });
    // What BullMQ does with a TransientJobError: try again.
    const withRetries = async (c: BackfillChunk): Promise<ChunkResult> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await applyBackfillChunk(h.ds, c);
        } catch (err) {
          if (!(err instanceof TransientJobError) || attempt >= 5) throw err;
        }
      }
    };
    const [a, b] = await Promise.all([withRetries(chunk("run-a")), withRetries(chunk("run-b"))]);
    expect(a.organizationsCreated.length + b.organizationsCreated.length).to.equal(3);
    expect(a.linkagesCreated.length + b.linkagesCreated.length).to.equal(40);
    expect(await organizations(h.ds)).to.have.length(3);
    expect(await linkages(h.ds)).to.have.length(40);
  });

  it("a worker SIGKILLed mid-chunk: another worker finishes the chunk, each row once, and the command's report is whole", async () => {
    h = await Harness.create({ env: { ORGANIZATIONS_BACKFILL_CHUNK_SIZE: "100" } });
    const { libraryFile } = await seedAcceptanceFixture(h.ds);
    // The test holds the inactive organization's row: the worker blocks when reactivating it, after its inserts.
    held = await createConnection({ uri: h.db.url });
    await held.query("START TRANSACTION");
    await held.query("SELECT id FROM organizations_organization WHERE short_name = 'inact' FOR UPDATE");

    const command = runCliInProcess(["backfill-organizations", "--apply", "--library-keys-file", libraryFile], h.env());
    const child = spawnCli(["worker", "--queues", QueueName.Organizations], h.env({ LOG_LEVEL: "info" }));
    await waitFor("the child blocked inside its chunk", async () => (await runningStatements(h, "UPDATE organizations_organization SET active = 1")) === 1, { timeoutMs: 20000 });
    // Mid-chunk for real: besides the library chunk (LibOrg, committed), the child's course chunk has written its
    // claim and its 2 new organizations (MyOrg, org_C), uncommitted.
    const peek = await createConnection({ uri: h.db.url });
    try {
      await peek.query("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED");
      const [[dirty]] = (await peek.query(
        "SELECT (SELECT COUNT(*) FROM organizations_organization) AS orgs, (SELECT COUNT(*) FROM openedx_workers_organization_backfill_chunk) AS claims",
      )) as unknown as [{ orgs: number; claims: number }[]];
      expect([Number(dirty.orgs), Number(dirty.claims)]).to.deep.equal([5, 2]);
      const [committed] = await h.ds.query("SELECT COUNT(*) AS orgs FROM organizations_organization");
      expect(Number(committed.orgs), "only LibOrg committed so far").to.equal(3);
    } finally {
      await peek.end();
    }
    child.kill("SIGKILL");
    expect((await exitOf(child)).signal).to.equal("SIGKILL");
    await held.query("ROLLBACK");

    // What time does for a dead worker's job: its lock lapses and the stalled check hands the job to another worker.
    const redis = new IORedis(services.redisUrl);
    try {
      const queueKey = `${h.prefix}:${QueueName.Organizations}`;
      const backfillJobs = await redis.keys(`${queueKey}:backfill-organizations-chunk.*:lock`);
      expect(backfillJobs, "the dead worker held the chunk").to.have.length(1);
      await redis.del(...backfillJobs, `${queueKey}:stalled-check`);
    } finally {
      redis.disconnect();
    }
    await h.worker({ queues: [QueueName.Organizations] });

    const r = await command;
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.equal(expectedReport(false, true));
    expect((await organizations(h.ds)).map((o) => o.short_name).sort()).to.deep.equal(["LibOrg", "MyOrg", "inact", "org_A", "org_C"]);
    expect(await linkages(h.ds)).to.deep.equal([
      "MyOrg,course-v1:MyOrg+C1+R1,1",
      "MyOrg,course-v1:myorg+C2+R1,1",
      "inact,course-v1:Inact+Y+1,1",
      "org_A,course-v1:org_A+X+1,1",
      "org_A,course-v1:org_A+X+2,1",
      "org_C,org_C/toy/3,1",
    ]);
    const chunks = await h.ds.query("SELECT backfill_id, chunk FROM openedx_workers_organization_backfill_chunk");
    expect(chunks.map((c: { chunk: number }) => c.chunk).sort()).to.deep.equal([0, 1]);
    const jobId = jobIds.backfillOrganizationsChunk(chunks[0].backfill_id, 0);
    expect(jobId).to.match(/^backfill-organizations-chunk\.run-/);
    expect(await snapshot(h.ds)).to.be.a("string");
  });
});
