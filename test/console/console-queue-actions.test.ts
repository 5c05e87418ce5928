import { Queue } from "bullmq";
import { expect } from "chai";
import type { AppContext } from "../../src/app/app-context";
import { JOB_QUEUE, QueueName } from "../../src/queues/registry";
import { SCHEDULES, keepSchedules, syncSchedules } from "../../src/workers/schedules";
import { scheduleIsOn, type ScheduleDefinition } from "../../src/workers/schedule-definition";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { waitFor } from "../support/wait";
import { ConsoleClient, seedUser, startConsole, type RunningConsole } from "./console-fixtures";
import { makeFailedJob } from "./console-helpers";

interface Recorded {
  userId: number;
  queue: string;
  action: string;
  target?: string;
  destructive: boolean;
  at: number;
}

describe("console: bull-board's destructive actions are admins' only, recorded, and schedules come back", function () {
  this.timeout(60000);
  let h: Harness;
  let con: RunningConsole;
  const logs: string[] = [];
  let adminId: number;
  let purge: Queue;

  /** The queue-actions stream, oldest first, as the console keeps it. */
  async function recorded(): Promise<Recorded[]> {
    const entries = await con.ctx.redis.xrange(`${h.prefix}:console:queue-actions`, "-", "+");
    return entries.map(([, flat]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) f[flat[i]] = flat[i + 1];
      return { userId: Number(f.userId), queue: f.queue, action: f.action, ...(f.target !== undefined ? { target: f.target } : {}), destructive: f.destructive === "1", at: Number(f.at) };
    });
  }

  async function admin(): Promise<ConsoleClient> {
    const c = new ConsoleClient(con.url);
    expect((await c.signIn("admin", "admin-pw")).status).to.equal(302);
    await c.get("/queues");
    return c;
  }

  before(async () => {
    h = await Harness.create();
    adminId = await seedUser(h.ds, { username: "admin", password: "admin-pw", isSuperuser: true });
    await seedUser(h.ds, { username: "viewer", password: "viewer-pw" });
    con = await startConsole(h, {}, { logs });
    purge = new Queue(QueueName.CertificatePurge, { connection: { url: services.redisUrl }, prefix: h.prefix });
  });
  after(async () => {
    await purge?.close();
    await con?.close();
    await h?.close();
  });

  it("read-only staff are refused every action that deletes jobs or a schedule, and nothing is recorded", async () => {
    const jobId = await makeFailedJob(h.prefix, QueueName.CertificatePurge, "purge-pdf-certificate", { certificateId: 1 }, "ro-destructive");
    await purge.add("purge-pdf-certificate", { certificateId: 2 }, { jobId: "ro-waiting", delay: 3_600_000 });
    const viewer = new ConsoleClient(con.url);
    await viewer.signIn("viewer", "viewer-pw");
    await viewer.get("/queues");
    const base = `/queues/api/queues/${QueueName.CertificatePurge}`;
    for (const path of [`${base}/obliterate`, `${base}/empty`, `${base}/clean/failed`, `${base}/${jobId}/clean`, `${base}/${jobId}/remove-unprocessed-children`, `${base}/job-schedulers/any/remove`]) {
      expect((await viewer.request("PUT", path, { headers: viewer.xsrfHeaders() })).status, path).to.equal(403);
    }
    expect(await purge.getJobState(jobId)).to.equal("failed");
    expect(await purge.getJobState("ro-waiting")).to.equal("delayed");
    expect(await recorded()).to.deep.equal([]);
    await purge.remove("ro-waiting");
  });

  it("each admin action is recorded with the staff user id, time, queue and action (stream, log line and the Queue actions page)", async () => {
    const started = Date.now();
    const failed = await makeFailedJob(h.prefix, QueueName.CertificatePurge, "purge-pdf-certificate", { certificateId: 3 }, "admin-remove-one");
    await makeFailedJob(h.prefix, QueueName.CertificatePurge, "purge-pdf-certificate", { certificateId: 4 }, "admin-clean-failed");
    await purge.add("purge-pdf-certificate", { certificateId: 5 }, { jobId: "admin-empty" });
    await purge.upsertJobScheduler("hand-made", { every: 60_000 }, { name: "purge-pdf-certificate", data: { certificateId: 6 } });
    const c = await admin();
    const base = `/queues/api/queues/${QueueName.CertificatePurge}`;
    const put = async (path: string) => (await c.request("PUT", `${base}${path}`, { headers: c.xsrfHeaders() })).status;
    expect(await put(`/${failed}/clean`)).to.be.within(200, 204);
    expect(await purge.getJob(failed)).to.equal(undefined);
    // bull-board cleans only jobs finished more than 5 s ago (its grace time): the record is what is checked here.
    expect(await put("/clean/failed")).to.be.within(200, 204);
    expect(await put("/job-schedulers/hand-made/remove")).to.be.within(200, 204);
    expect(await purge.getJobScheduler("hand-made")).to.equal(undefined);
    expect(await put("/empty")).to.be.within(200, 204);
    expect(await purge.getWaitingCount()).to.equal(0);
    // BullMQ obliterates a paused queue only.
    expect(await put("/pause")).to.be.within(200, 204);
    expect(await put("/obliterate")).to.be.within(200, 204);
    expect(await purge.getJobCounts()).to.deep.equal(Object.fromEntries(Object.keys(await purge.getJobCounts()).map((k) => [k, 0])));

    const entries = await recorded();
    expect(entries.map(({ at, ...rest }) => rest)).to.deep.equal([
      { userId: adminId, queue: QueueName.CertificatePurge, action: "remove job", target: failed, destructive: true },
      { userId: adminId, queue: QueueName.CertificatePurge, action: "clean (delete jobs)", target: "failed", destructive: true },
      { userId: adminId, queue: QueueName.CertificatePurge, action: "remove scheduler", target: "hand-made", destructive: true },
      { userId: adminId, queue: QueueName.CertificatePurge, action: "empty (delete waiting jobs)", destructive: true },
      { userId: adminId, queue: QueueName.CertificatePurge, action: "pause", destructive: false },
      { userId: adminId, queue: QueueName.CertificatePurge, action: "obliterate (delete the queue and all its jobs)", destructive: true },
    ]);
    for (const e of entries) expect(e.at).to.be.within(started, Date.now());
    const lines = logs.filter((l) => l.includes('"console: queue action"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.userId, l.queue, l.action])).to.deep.include([adminId, QueueName.CertificatePurge, "obliterate (delete the queue and all its jobs)"]);
    expect(lines).to.have.length(6);

    // Shown to admins, newest first, with the staff user's name; no learner data.
    const res = await c.get("/queue-actions");
    expect(res.status).to.equal(200);
    const html = await res.text();
    expect(html).to.include(`admin (user ${adminId})`);
    expect(html.indexOf("obliterate")).to.be.lessThan(html.indexOf("remove job"));
    expect(html).to.include("hand-made").and.include("deletes");
    expect(html).to.include('href="/queue-actions"');
  });

  it("the record is the admins' own: read-only staff get 403 for the page and no link to it", async () => {
    const viewer = new ConsoleClient(con.url);
    await viewer.signIn("viewer", "viewer-pw");
    const page = await viewer.get("/queue-actions");
    expect(page.status).to.equal(403);
    const html = await page.text();
    expect(html).to.include("Only console admins may see the record");
    expect(html).to.not.include("<table id=\"queue-actions\"");
    expect(await (await viewer.get("/")).text()).to.not.include('href="/queue-actions"');
    expect((await viewer.get("/queue-actions", { accept: "application/json" })).status).to.equal(403);
  });

  it("the workers' periodic check restores every schedule they own (cron and every), as it was, after an admin removes it", async () => {
    // Every schedule of SCHEDULES switched on (a new schedule that this leaves off fails the check below).
    const ctx: AppContext = await h.context({
      env: {
        CERTIFICATE_GENERATION_CRON: "15 1 * * *",
        RETIREMENT_SCHEDULE_CRON: "0 3 * * *",
        ORGANIZATIONS_BACKFILL_CRON: "30 2 * * 1",
        RETIREMENT_ARCHIVE_SCHEDULE_CRON: "30 4 * * *",
        RETIREMENT_PARTNER_REPORT_CRON: "0 5 * * 1",
        STUCK_JOB_SWEEPER_CRON: "*/10 * * * *",
        SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS: "true",
        EVENT_BUS_PUBLISH_INTERVAL_MS: "5000",
        CREDENTIALS_INTERNAL_SERVICE_URL: "http://127.0.0.1:9/credentials",
        BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL: "http://127.0.0.1:9/oauth2",
        BACKEND_SERVICE_EDX_OAUTH2_KEY: "credentials-worker",
        BACKEND_SERVICE_EDX_OAUTH2_SECRET: "not-a-secret",
        CREDENTIALS_DRAIN_INTERVAL_MS: "3000",
      },
    });
    expect(SCHEDULES.filter((s) => !scheduleIsOn(s, ctx.config)).map((s) => s.schedulerId), "schedules left off").to.deep.equal([]);
    const owned = [...new Set(SCHEDULES.map((s) => JOB_QUEUE[s.jobName]))];
    await syncSchedules(ctx.queues, owned, ctx.config, ctx.logger);
    /** A schedule as Redis holds it, without the time of its next run and an interval's phase (both from the clock). */
    const stored = async (s: ScheduleDefinition) => {
      const json = await ctx.queues.queue(JOB_QUEUE[s.jobName]).getJobScheduler(s.schedulerId);
      if (!json) return undefined;
      const { next: _next, offset: _offset, ...rest } = json;
      return rest;
    };
    const before = new Map<string, unknown>();
    for (const s of SCHEDULES) before.set(s.schedulerId, await stored(s));
    const kinds = SCHEDULES.map((s) => (before.get(s.schedulerId) as { every?: number } | undefined)?.every ? "every" : "cron");
    expect(kinds).to.include("every").and.include("cron");
    expect([...before.values()]).to.not.include(undefined);

    const c = await admin();
    for (const s of SCHEDULES) {
      const path = `/queues/api/queues/${JOB_QUEUE[s.jobName]}/job-schedulers/${s.schedulerId}/remove`;
      expect((await c.request("PUT", path, { headers: c.xsrfHeaders() })).status, s.schedulerId).to.be.within(200, 204);
      expect(await stored(s), s.schedulerId).to.equal(undefined);
    }
    const removals = (await recorded()).filter((e) => e.action === "remove scheduler" && e.userId === adminId).map((e) => e.target);
    expect(removals).to.include.members(SCHEDULES.map((s) => s.schedulerId));

    const stop = keepSchedules(ctx.queues, owned, ctx.config, ctx.logger, 100);
    try {
      await waitFor("every schedule re-created", async () => (await Promise.all(SCHEDULES.map(stored))).every(Boolean));
    } finally {
      stop();
    }
    // As they were made: the same pattern or interval, time zone, job name, data and job options.
    for (const s of SCHEDULES) expect(await stored(s), s.schedulerId).to.deep.equal(before.get(s.schedulerId));
  });
});
