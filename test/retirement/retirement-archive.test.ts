import { gunzipSync } from "node:zlib";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { archiveCutoff, archiveObjectKey, archiveWindow, athenaDate } from "../../src/domain/retirement/retirement-archive";
import { silentLogger } from "../../src/logging/logger";
import { QueueName } from "../../src/queues/registry";
import { syncSchedules } from "../../src/workers/schedules";
import { runCliInProcess } from "../support/cli";
import { waitFor } from "../support/wait";
import { Harness } from "../support/harness";
import { RETIREMENT_ENV, insertLearner, requestRetirements } from "./retirement-fixtures";

const KEY = /^raw\/(\d{4})\/(\d{2})\/retirement_archive_(\d{4})_(\d{2})_(\d{2})_\d{2}_\d{2}_\d{2}\.json\.gz$/;

interface Seeded {
  due: number[];
  recent: number;
  errored: number;
}

/** Three COMPLETE learners past the cool-off, one COMPLETE inside it, one ERRORED past it; exact timestamps on the first. */
async function seed(h: Harness): Promise<Seeded> {
  const learners = [];
  for (let i = 0; i < 5; i++) learners.push(await insertLearner(h));
  const ids = learners.map((l) => l.userId);
  await requestRetirements(h, ids);
  await h.ds.query(
    "UPDATE user_api_userretirementstatus SET current_state_id = (SELECT id FROM user_api_retirementstate WHERE state_name = 'COMPLETE'), created = UTC_TIMESTAMP(6) - INTERVAL 60 DAY WHERE user_id IN (?)",
    [ids],
  );
  await h.ds.query("UPDATE user_api_userretirementstatus SET created = UTC_TIMESTAMP(6) - INTERVAL 10 DAY WHERE user_id = ?", [ids[3]]);
  await h.ds.query("UPDATE user_api_userretirementstatus SET current_state_id = (SELECT id FROM user_api_retirementstate WHERE state_name = 'ERRORED') WHERE user_id = ?", [ids[4]]);
  await h.ds.query(
    "UPDATE user_api_userretirementstatus SET created = '2026-01-02 03:04:05.678901', modified = '2026-02-03 04:05:06.000000', original_name = 'Ada Lövelace' WHERE user_id = ?",
    [ids[0]],
  );
  return { due: ids.slice(0, 3), recent: ids[3], errored: ids[4] };
}

async function statusRows(h: Harness): Promise<number[]> {
  return (await h.ds.query("SELECT user_id FROM user_api_userretirementstatus ORDER BY user_id")).map((r: { user_id: number }) => Number(r.user_id));
}

/** What upstream's script writes for a status row, built here field by field in Python's json.dump format. */
async function expectedLine(h: Harness, userId: number): Promise<string> {
  const [r] = await h.ds.query(
    "SELECT user_id, original_username, original_email, original_name, retired_username, retired_email, DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f') AS c, DATE_FORMAT(modified, '%Y-%m-%d %H:%i:%s.%f') AS m FROM user_api_userretirementstatus WHERE user_id = ?",
    [userId],
  );
  const py = (s: string) => JSON.stringify(s).replace(/ö/g, "\\u00f6");
  return `{"user_id": ${r.user_id}, "original_username": ${py(r.original_username)}, "original_email": ${py(r.original_email)}, "original_name": ${py(r.original_name)}, "retired_username": ${py(r.retired_username)}, "retired_email": ${py(r.retired_email)}, "retirement_request_date": ${py(athenaDate(r.c))}, "last_modified_date": ${py(athenaDate(r.m))}}`;
}

async function readObject(h: Harness, key: string): Promise<string> {
  const got = await h.bucket!.s3.send(new GetObjectCommand({ Bucket: h.bucket!.name, Key: key }));
  return gunzipSync(Buffer.from(await got.Body!.transformToByteArray())).toString("utf8");
}

/** Records what each deleted status row held at the moment of its delete (redact-before-delete shows here). */
async function recordDeletes(h: Harness): Promise<void> {
  await h.ds.query("CREATE TABLE deleted_status (user_id int, original_username varchar(150), original_email varchar(254), original_name varchar(255))");
  await h.ds.query(
    "CREATE TRIGGER record_status_delete BEFORE DELETE ON user_api_userretirementstatus FOR EACH ROW INSERT INTO deleted_status VALUES (OLD.user_id, OLD.original_username, OLD.original_email, OLD.original_name)",
  );
}

describe("archive-retirements (upstream's retirement_archive_and_cleanup + retirement_cleanup)", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => h?.close());

  it("uses upstream's key layout, Athena dates and window", () => {
    expect(archiveObjectKey(new Date("2026-11-05T07:08:09.500Z"))).to.equal("raw/2026/11/retirement_archive_2026_05_11_07_08_09.json.gz");
    expect(athenaDate("2018-10-18 20:35:52.349757")).to.equal("2018-10-18 20:35:52.349757");
    expect(athenaDate("2018-10-18 20:35:52.000000"), "isoformat drops zero microseconds").to.equal("2018-10-18 20:35:52");
    expect(archiveCutoff(new Date("2026-11-22T05:00:00Z"), 37).toISOString()).to.equal("2026-10-17T00:00:00.000Z");
  });

  it("writes gzip JSON lines read back exactly as expected, then redacts and deletes only the archived rows", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const s = await seed(h);
    await recordDeletes(h);
    const expected = [];
    for (const id of s.due) expected.push(await expectedLine(h, id));
    expect(expected[0]).to.contain('"original_name": "Ada L\\u00f6velace"').and.contain('"retirement_request_date": "2026-01-02 03:04:05.678901", "last_modified_date": "2026-02-03 04:05:06"}');

    const run = await runCliInProcess(["archive-retirements", "--batch-size", "2"], h.env({ RETIREMENT_ARCHIVE_BUCKET: h.bucket!.name }));
    expect(run.code, run.err).to.equal(0);
    expect(run.out).to.contain("3 COMPLETE learner(s) created before").and.contain("2 archive batch(es)");

    const keys = await h.bucket!.keys();
    expect(keys).to.have.length(2);
    const now = new Date();
    for (const key of keys) {
      const m = KEY.exec(key)!;
      expect(m, key).to.not.equal(null);
      expect([m[1], m[2], m[3], m[5]]).to.deep.equal([String(now.getUTCFullYear()), String(now.getUTCMonth() + 1).padStart(2, "0"), String(now.getUTCFullYear()), String(now.getUTCMonth() + 1).padStart(2, "0")]);
    }
    const written = (await Promise.all(keys.map((k) => readObject(h, k)))).sort((a, b) => a.length - b.length);
    expect(written.join("").split("\n").filter(Boolean).sort()).to.deep.equal([...expected].sort());
    for (const text of written) expect(text.endsWith("\n")).to.equal(true);

    expect(await statusRows(h), "only the recent and the ERRORED rows remain").to.deep.equal([s.recent, s.errored].sort((a, b) => a - b));
    const deleted = await h.ds.query("SELECT user_id, original_username, original_email, original_name FROM deleted_status ORDER BY user_id");
    expect(deleted).to.deep.equal(s.due.map((user_id) => ({ user_id, original_username: "redacted", original_email: "redacted", original_name: "redacted" })));
    for (const secret of [run.out, run.err]) expect(secret).not.to.contain("@example.com");

    const again = await runCliInProcess(["archive-retirements"], h.env({ RETIREMENT_ARCHIVE_BUCKET: h.bucket!.name }));
    expect(again.out).to.contain("0 COMPLETE learner(s)");
    expect(await h.bucket!.keys()).to.have.length(2);
  });

  it("--start-date/--end-date as upstream's options: the window, and its refusals (exit 2)", async () => {
    const now = new Date("2026-11-22T05:00:00Z");
    const d = (text: string) => new Date(`${text}T00:00:00Z`);
    expect(archiveWindow(now, 37, d("2026-09-01"), d("2026-10-01"))).to.deep.equal({ start: d("2026-09-01"), endExclusive: d("2026-10-02") });
    expect(archiveWindow(now, 37)).to.deep.equal({ start: undefined, endExclusive: d("2026-10-17") });
    expect(archiveWindow(now, 37, undefined, d("2026-10-16")).endExclusive, "the last day outside the cool-off").to.deep.equal(d("2026-10-17"));
    expect(() => archiveWindow(now, 37, undefined, d("2026-10-17"))).to.throw("End date cannot occur within the cool_off_days period");
    expect(() => archiveWindow(now, 37, d("2026-10-01"), d("2026-10-01"))).to.throw("Conflicting start and end dates passed on CLI");

    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const s = await seed(h);
    // due[1] and due[2] were requested 60 days ago; due[0] on 2026-01-02; the recent one 10 days ago.
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const env = h.env({ RETIREMENT_ARCHIVE_BUCKET: h.bucket!.name });
    const run = await runCliInProcess(["archive-retirements", "--start-date", day(61), "--end_date", day(60)], env);
    expect(run.code, run.err).to.equal(0);
    expect(run.out).to.contain("2 COMPLETE learner(s) created from");
    expect(await statusRows(h)).to.deep.equal([s.due[0], s.recent, s.errored].sort((a, b) => a - b));
    for (const args of [["--end-date", day(5)], ["--start-date", day(50), "--end-date", day(50)], ["--start-date", "2026-13-01"]]) {
      const refused = await runCliInProcess(["archive-retirements", ...args], env);
      expect(refused.code, args.join(" ")).to.equal(2);
    }
    expect(await statusRows(h)).to.have.length(3);
  });

  it("the dry run prints counts and user ids only and touches nothing", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const s = await seed(h);
    const before = await h.ds.query("SELECT * FROM user_api_userretirementstatus ORDER BY id");
    const dry = await runCliInProcess(["archive-retirements", "--dry-run", "--batch_size", "2"], h.env({ RETIREMENT_ARCHIVE_BUCKET: h.bucket!.name }));
    expect(dry.code, dry.err).to.equal(0);
    expect(dry.out).to.contain("[DRY RUN] 3 COMPLETE learner(s)").and.contain("2 archive batch(es)");
    expect(dry.out).to.contain(`users ${s.due[0]}, ${s.due[1]}`).and.contain(`users ${s.due[2]}`);
    for (const row of before) {
      expect(dry.out).not.to.contain(row.original_username);
      expect(dry.out).not.to.contain(row.original_email);
    }
    expect(await h.bucket!.keys()).to.deep.equal([]);
    expect(await h.ds.query("SELECT * FROM user_api_userretirementstatus ORDER BY id")).to.deep.equal(before);
    expect(await h.ds.query("SELECT id FROM openedx_workers_retirement_archive")).to.deep.equal([]);
  });

  it("a failed upload (wrong bucket, keys S3 refuses) deletes nothing, and says so with S3's error code", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    await seed(h);
    const before = await h.ds.query("SELECT * FROM user_api_userretirementstatus ORDER BY id");
    const run = await runCliInProcess(["archive-retirements"], h.env({ RETIREMENT_ARCHIVE_BUCKET: `${h.bucket!.name}-missing` }));
    expect(run.code, run.err).to.equal(1);
    expect(run.err).to.contain("could not be written and verified (nothing was deleted): NoSuchBucket (HTTP 404)");
    const refused = await runCliInProcess(["archive-retirements"], h.env({ RETIREMENT_ARCHIVE_BUCKET: h.bucket!.name, AWS_ACCESS_KEY_ID: "no-such-access-key" }));
    expect(refused.code, refused.err).to.equal(1);
    expect(refused.err).to.contain("(nothing was deleted): InvalidAccessKeyId (HTTP 403)").and.not.contain("UnknownError");
    expect(refused.err).not.to.match(/^\s+at /m);
    expect(await h.ds.query("SELECT * FROM user_api_userretirementstatus ORDER BY id")).to.deep.equal(before);
    const unset = await runCliInProcess(["archive-retirements"], h.env());
    expect(unset.code).to.equal(1);
    expect(unset.err).to.contain("RETIREMENT_ARCHIVE_BUCKET is not set");
  });

  it("a crash between upload and delete: the next run re-uploads the same object name and deletes once", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const s = await seed(h);
    const env = h.env({ RETIREMENT_ARCHIVE_BUCKET: h.bucket!.name });
    // The delete fails, as if the process died after the upload.
    await h.ds.query("CREATE TRIGGER crash_before_delete BEFORE DELETE ON user_api_userretirementstatus FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'simulated crash'");
    const crashed = await runCliInProcess(["archive-retirements"], env);
    expect(crashed.code).to.not.equal(0);
    const [key] = await h.bucket!.keys();
    expect(key).to.match(KEY);
    expect(await statusRows(h)).to.have.length(5);
    const firstUpload = await readObject(h, key);

    await h.ds.query("DROP TRIGGER crash_before_delete");
    await recordDeletes(h);
    const resumed = await runCliInProcess(["archive-retirements"], env);
    expect(resumed.code, resumed.err).to.equal(0);
    expect(resumed.out).to.contain(`${key} (resumed): 3 learner(s), 3 status row(s) deleted`);
    expect(await h.bucket!.keys(), "the same object name, once").to.deep.equal([key]);
    expect(await readObject(h, key)).to.equal(firstUpload);
    expect(await h.ds.query("SELECT COUNT(*) AS n FROM deleted_status")).to.deep.equal([{ n: 3 }]);
    expect(await h.ds.query("SELECT object_key, rows_deleted FROM openedx_workers_retirement_archive")).to.deep.equal([{ object_key: key, rows_deleted: 3 }]);
    expect(await statusRows(h)).to.deep.equal([s.recent, s.errored].sort((a, b) => a - b));
  });

  it("runs on RETIREMENT_ARCHIVE_SCHEDULE_CRON in the learner-retirement workers", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const s = await seed(h);
    const { ctx } = await h.worker({ queues: [QueueName.LearnerRetirement], env: { RETIREMENT_ARCHIVE_BUCKET: h.bucket!.name, RETIREMENT_ARCHIVE_SCHEDULE_CRON: "* * * * * *" } });
    await syncSchedules(ctx.queues, [QueueName.LearnerRetirement], ctx.config, silentLogger());
    expect((await ctx.queues.queue(QueueName.LearnerRetirement).getJobSchedulers()).map((j) => j.key)).to.include("archive-retirements");
    await waitFor("the scheduled archive", async () => (await statusRows(h)).length === 2, { timeoutMs: 20000 });
    expect(await statusRows(h)).to.deep.equal([s.recent, s.errored].sort((a, b) => a - b));
    expect(await h.bucket!.keys()).to.have.length(1);
  });
});
