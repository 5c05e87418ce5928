import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { silentLogger } from "../../src/logging/logger";
import { QueueName } from "../../src/queues/registry";
import { syncSchedules } from "../../src/workers/schedules";
import { runCliInProcess } from "../support/cli";
import { insertUser } from "../support/fixtures";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";
import { FakeGoogleDrive } from "./google-drive-fixtures";
import { RETIREMENT_ENV } from "./retirement-fixtures";

interface Queued {
  userId: number;
  username: string;
  email: string;
  name: string;
}

const TOP = "top-folder-id";
const DAY = new Date().toISOString().slice(0, 10);
const MAPPING = { OrgA: ["Partner Alpha"], OrgB: ["Partner Beta", "Partner Alpha"], OrgC: ["Gamma Université"] };
const REPORT_ENV = {
  ...RETIREMENT_ENV,
  RETIREMENT_PARTNER_ORG_PARTNER_MAPPING: JSON.stringify(MAPPING),
  RETIREMENT_PARTNER_PARTNER_REPORT_PLATFORM_NAME: "Open-edX",
  RETIREMENT_PARTNER_DRIVE_PARTNERS_FOLDER: TOP,
  RETIREMENT_PARTNER_DENIED_NOTIFICATION_DOMAINS: "staff.example.org",
};
const HEADER = "user_id,original_username,original_email,original_name,deletion_completed\r\n";

/** A learner in the partner reporting queue (as add_to_partner_queue leaves it), enrolled in courses of these orgs. */
async function queue(h: Harness, orgs: string[], created: string, name?: string): Promise<Queued> {
  const user = await insertUser(h.ds);
  const full = name ?? `${user.firstName} ${user.lastName}`;
  for (const [i, org] of orgs.entries()) {
    await h.ds.query("INSERT INTO student_courseenrollment (user_id, course_id, mode, is_active, created) VALUES (?, ?, 'audit', ?, UTC_TIMESTAMP(6))", [user.id, `course-v1:${org}+C${i}+2026`, i % 2]);
  }
  await h.ds.query(
    `INSERT INTO user_api_userretirementpartnerreportingstatus (created, modified, original_username, original_email, original_name, is_being_processed, user_id)
     VALUES (?, ?, ?, ?, ?, 0, ?)`,
    [created, created, user.username, user.email, full, user.id],
  );
  return { userId: user.id, username: user.username, email: user.email, name: full };
}

/** L1 OrgA; L2 OrgA+OrgB; L3 OrgC; L4 OrgB with a name that needs quoting; L5 never enrolled (nothing to report). */
async function seed(h: Harness): Promise<Queued[]> {
  return [
    await queue(h, ["OrgA"], "2026-03-04 05:06:07.000000"),
    await queue(h, ["OrgA", "OrgB"], "2026-03-04 05:06:08.123456"),
    await queue(h, ["OrgC"], "2026-03-05 00:00:00.000001"),
    await queue(h, ["OrgB"], "2026-03-06 10:11:12.500000", 'Zoë "Z", Jr.'),
    await queue(h, [], "2026-03-07 01:02:03.000000"),
  ];
}

const row = (l: Queued, created: string, name = l.name) => `${l.userId},${l.username},${l.email},${name},${created}\r\n`;

/** What upstream's unicodecsv DictWriter (excel dialect) writes for each partner, byte for byte. */
function expectedFiles(l: Queued[]): Record<string, string> {
  return {
    [`user_retirement_Open-edX_Partner Alpha_${DAY}.csv`]: HEADER + row(l[0], "2026-03-04T05:06:07Z") + row(l[1], "2026-03-04T05:06:08.123456Z") + row(l[3], "2026-03-06T10:11:12.500000Z", '"Zoë ""Z"", Jr."'),
    [`user_retirement_Open-edX_Partner Beta_${DAY}.csv`]: HEADER + row(l[1], "2026-03-04T05:06:08.123456Z") + row(l[3], "2026-03-06T10:11:12.500000Z", '"Zoë ""Z"", Jr."'),
    [`user_retirement_Open-edX_Gamma Université_${DAY}.csv`]: HEADER + row(l[2], "2026-03-05T00:00:00.000001Z"),
  };
}

async function queued(h: Harness): Promise<Array<{ user_id: number; is_being_processed: number }>> {
  return h.ds.query("SELECT user_id, is_being_processed FROM user_api_userretirementpartnerreportingstatus ORDER BY user_id");
}

function readDir(dir: string): Record<string, Buffer> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

describe("partner-report (upstream's retirement_partner_report.py and the LMS's partner report views)", function () {
  this.timeout(90000);
  let h: Harness;
  let dir: string;
  let drive: FakeGoogleDrive | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "partner-report-"));
  });
  afterEach(async () => {
    await drive?.close();
    drive = undefined;
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("--no-upload: one CSV per partner, byte for byte upstream's, owner-only; every reported row deleted", async () => {
    h = await Harness.create({ env: REPORT_ENV });
    const l = await seed(h);
    const run = await runCliInProcess(["partner-report", "--output-dir", dir, "--no-upload"], h.env());
    expect(run.code, run.err).to.equal(0);
    const files = readDir(dir);
    const expected = expectedFiles(l);
    expect(Object.keys(files)).to.deep.equal(Object.keys(expected).sort());
    for (const [name, text] of Object.entries(expected)) {
      expect(files[name].equals(Buffer.from(text, "utf8")), `${name}:\n${files[name]}`).to.equal(true);
      expect(fs.statSync(path.join(dir, name)).mode & 0o777, name).to.equal(0o600);
    }
    expect(await queued(h), "every row reported (L5 had no org) is deleted").to.deep.equal([]);
    expect(run.out.split("\n")).to.include.members([
      "5 learner(s) to report to 3 partner(s).",
      `Partner Alpha: user_retirement_Open-edX_Partner Alpha_${DAY}.csv, 3 learner(s): written`,
      `  users ${l[0].userId}, ${l[1].userId}, ${l[3].userId}`,
      "5 reporting row(s) deleted; 0 kept for the next run.",
    ]);
    for (const learner of l) for (const pii of [learner.username, learner.email]) expect(run.out + run.err).to.not.include(pii);
  });

  it("Google Drive: token from the key's token_uri, folders by name, uploads and comments; a failed partner keeps its learners and exits 1", async () => {
    h = await Harness.create({ env: REPORT_ENV });
    const l = await seed(h);
    drive = await FakeGoogleDrive.start(h.ds);
    drive
      .addFolder("folder-alpha", "Partner Alpha", TOP, ["poc@alpha.edu", "admin@staff.example.org"])
      .addFolder("folder-beta", "Partner Beta", TOP, ["poc@beta.edu"])
      .addFolder("folder-other", "Someone Else", TOP)
      // Drive returns the name decomposed; upstream normalizes both sides to NFKC.
      .addFolder("folder-gamma", "Gamma Universite\u0301", TOP, ["a@gamma.fr", "b@gamma.fr"])
      .addFolder("folder-nested", "Partner Beta", "folder-other");
    drive.refuseUploadsTo.add("folder-beta");
    const key = drive.writeKeyFile(dir);
    const outputDir = path.join(dir, "out");
    fs.mkdirSync(outputDir);
    const env = h.env({ RETIREMENT_PARTNER_DRIVE_ROOT_URL: drive.rootUrl });

    const run = await runCliInProcess(["partner-report", "--output-dir", outputDir, "--google-secrets-file", key], env);
    expect(drive.problems).to.deep.equal([]);
    expect(run.code).to.equal(1);
    expect(run.err).to.include("delivery failed for Partner Beta");
    expect(run.out).to.include(`Partner Beta: user_retirement_Open-edX_Partner Beta_${DAY}.csv, 2 learner(s): FAILED: Drive upload failed for: user_retirement_Open-edX_Partner Beta_${DAY}.csv: HTTP 403`);

    const expected = expectedFiles(l);
    const alphaName = `user_retirement_Open-edX_Partner Alpha_${DAY}.csv`;
    const gammaName = `user_retirement_Open-edX_Gamma Université_${DAY}.csv`;
    expect(drive.files.map((f) => [f.name, f.parents, f.content])).to.deep.equal([
      [alphaName, ["folder-alpha"], expected[alphaName]],
      [gammaName, ["folder-gamma"], expected[gammaName]],
    ]);
    // Rows are deleted only once a learner's partners all have their files: at Alpha's upload every row was there.
    expect(drive.files[0].rowsAtUpload).to.deep.equal(l.slice(0, 4).map((x) => x.userId));
    expect(drive.files[1].rowsAtUpload, "L1 (Alpha only) deleted after Alpha's delivery").to.deep.equal([l[1], l[2], l[3]].map((x) => x.userId));
    expect(drive.comments).to.deep.equal([
      { fileId: "file-1", content: "Hello from edX. Dear +poc@alpha.edu, a new report listing the learners enrolled in your institution’s courses on edx.org that have requested deletion of their edX account and associated personal data within the last week has been published to Google Drive. Please access your folder to see the latest report." },
      { fileId: "file-2", content: "Hello from edX. Dear +a@gamma.fr +b@gamma.fr, a new report listing the learners enrolled in your institution’s courses on edx.org that have requested deletion of their edX account and associated personal data within the last week has been published to Google Drive. Please access your folder to see the latest report." },
    ]);
    expect(drive.http.received("POST /token")).to.have.length(1);
    // L2 and L4 (Beta's) stay queued, back in the queue for the next run; the others are gone.
    expect(await queued(h)).to.deep.equal([l[1], l[3]].map((x) => ({ user_id: x.userId, is_being_processed: 0 })));

    // The next run, with Beta's folder writable, reports them (to Alpha again too) and empties the queue.
    drive.refuseUploadsTo.clear();
    const again = await runCliInProcess(["partner-report", "--output-dir", outputDir, "--google-secrets-file", key, "--no-comments"], env);
    expect(again.code, again.err).to.equal(0);
    expect(drive.files.slice(2).map((f) => [f.name, f.parents])).to.deep.equal([[alphaName, ["folder-alpha"]], [`user_retirement_Open-edX_Partner Beta_${DAY}.csv`, ["folder-beta"]]]);
    expect(drive.files[3].content).to.equal(expected[`user_retirement_Open-edX_Partner Beta_${DAY}.csv`]);
    expect(drive.comments, "--no-comments").to.have.length(2);
    expect(await queued(h)).to.deep.equal([]);
    expect(drive.problems).to.deep.equal([]);
  });

  it("a Drive that never answers an upload: that partner fails after the timeout, its learners stay queued; a worker with the schedule on but incomplete settings exits 2", async () => {
    h = await Harness.create({ env: REPORT_ENV });
    const l = await seed(h);
    drive = await FakeGoogleDrive.start(h.ds);
    drive.addFolder("folder-alpha", "Partner Alpha", TOP).addFolder("folder-beta", "Partner Beta", TOP).addFolder("folder-gamma", "Gamma Université", TOP);
    drive.hangUploadsTo.add("folder-gamma");
    const key = drive.writeKeyFile(dir);
    const outputDir = path.join(dir, "out");
    fs.mkdirSync(outputDir);
    const run = await runCliInProcess(["partner-report", "--output-dir", outputDir, "--google-secrets-file", key, "--no-comments"], h.env({ RETIREMENT_PARTNER_DRIVE_ROOT_URL: drive.rootUrl, RETIREMENT_PARTNER_HTTP_TIMEOUT_MS: "300" }));
    expect(run.code).to.equal(1);
    expect(run.err).to.include("delivery failed for Gamma Université");
    expect(await queued(h)).to.deep.equal([{ user_id: l[2].userId, is_being_processed: 0 }]);

    const worker = await runCliInProcess(["worker", "--queues", "learner-retirement", "--until-idle"], h.env({ RETIREMENT_PARTNER_REPORT_CRON: "0 5 * * 1" }));
    expect(worker.code).to.equal(2);
    expect(worker.err).to.include("RETIREMENT_PARTNER_REPORT_CRON: RETIREMENT_PARTNER_GOOGLE_SECRETS_FILE (--google-secrets-file) is not set");
    expect(worker.err).to.include("RETIREMENT_PARTNER_REPORT_OUTPUT_DIR must name the directory");
  });

  it("an org missing from org_partner_mapping stops the run naming it, before anything is taken (exit 2)", async () => {
    h = await Harness.create({ env: REPORT_ENV });
    await seed(h);
    await queue(h, ["OrgZ", "OrgY"], "2026-03-08 00:00:00.000000");
    const run = await runCliInProcess(["partner-report", "--output-dir", dir, "--no-upload"], h.env());
    expect(run.code).to.equal(2);
    expect(run.err).to.include("Partners for organizations {'OrgY', 'OrgZ'} do not exist in configuration.");
    expect((await queued(h)).every((r) => r.is_being_processed === 0)).to.equal(true);
    expect(await queued(h)).to.have.length(6);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it("--dry-run writes, uploads and changes nothing; missing settings exit 2", async () => {
    h = await Harness.create({ env: REPORT_ENV });
    const l = await seed(h);
    const before = await h.ds.query("SELECT * FROM user_api_userretirementpartnerreportingstatus ORDER BY id");
    const dry = await runCliInProcess(["partner-report", "--output-dir", dir, "--dry-run"], h.env());
    expect(dry.code, dry.err).to.equal(0);
    expect(dry.out).to.include("[DRY RUN] 5 learner(s) to report to 3 partner(s).").and.include(`[DRY RUN] Partner Beta: user_retirement_Open-edX_Partner Beta_${DAY}.csv, 2 learner(s): would be written`);
    expect(dry.out).to.include(`[DRY RUN]   users ${l[1].userId}, ${l[3].userId}`);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
    expect(await h.ds.query("SELECT * FROM user_api_userretirementpartnerreportingstatus ORDER BY id")).to.deep.equal(before);

    expect((await runCliInProcess(["partner-report", "--output-dir", dir], h.env())).err, "upload without a key").to.include("RETIREMENT_PARTNER_GOOGLE_SECRETS_FILE (--google-secrets-file) is not set");
    expect((await runCliInProcess(["partner-report", "--output-dir", path.join(dir, "missing"), "--no-upload"], h.env())).code).to.equal(2);
    expect((await runCliInProcess(["partner-report", "--no-upload"], h.env())).code).to.equal(2);
    expect((await runCliInProcess(["partner-report", "--output-dir", dir, "--no-upload"], h.env({ RETIREMENT_PARTNER_PARTNER_REPORT_PLATFORM_NAME: "" }))).code).to.equal(2);
    expect(await h.ds.query("SELECT * FROM user_api_userretirementpartnerreportingstatus ORDER BY id")).to.deep.equal(before);
  });

  it("reads upstream's driver config, and runs on RETIREMENT_PARTNER_REPORT_CRON in the learner-retirement workers", async () => {
    const driverConfig = path.join(dir, "driver.yml");
    fs.writeFileSync(driverConfig, ["org_partner_mapping:", "  OrgA: [Partner Alpha]", "  OrgB: [Partner Beta, Partner Alpha]", "  OrgC: [Gamma Université]", "partner_report_platform_name: Open-edX", `drive_partners_folder: ${TOP}`].join("\n"));
    const outputDir = path.join(dir, "scheduled");
    fs.mkdirSync(outputDir);
    h = await Harness.create({ env: { ...RETIREMENT_ENV, RETIREMENT_DRIVER_CONFIG: driverConfig } });
    const l = await seed(h);
    const { ctx } = await h.worker({
      queues: [QueueName.LearnerRetirement],
      env: { RETIREMENT_PARTNER_REPORT_CRON: "* * * * * *", RETIREMENT_PARTNER_REPORT_OUTPUT_DIR: outputDir, RETIREMENT_PARTNER_REPORT_NO_UPLOAD: "true", STUCK_JOB_SWEEPER_CRON: "off" },
    });
    await syncSchedules(ctx.queues, [QueueName.LearnerRetirement], ctx.config, silentLogger());
    expect((await ctx.queues.queue(QueueName.LearnerRetirement).getJobSchedulers()).map((j) => j.key)).to.include("partner-report");
    await waitFor("the scheduled partner report", async () => (await queued(h)).length === 0, { timeoutMs: 20000 });
    const files = readDir(outputDir);
    for (const [name, text] of Object.entries(expectedFiles(l))) expect(files[name]?.toString("utf8"), name).to.equal(text);
    // The job's payload is empty: no PII in Redis.
    const jobs = await ctx.queues.queue(QueueName.LearnerRetirement).getJobs(["completed"]);
    expect(jobs.filter((j) => j.name === "partner-report").every((j) => JSON.stringify(j.data) === "{}")).to.equal(true);
  });
});
