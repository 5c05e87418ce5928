import path from "node:path";
import { expect } from "chai";
import IORedis from "ioredis";
import { ALL_QUEUES } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { ConsoleClient, DJANGO_VECTOR, seedUser, startConsole, type RunningConsole } from "./console-fixtures";
import { makeFailedJob } from "./console-helpers";

/** bull-board's own API route table (the package's routes.js), so that a route a new version adds is covered too. */
function bullBoardChangingRoutes(): { method: string; route: string }[] {
  const file = path.join(path.dirname(require.resolve("@bull-board/api")), "routes.js");
  const { appRoutes } = require(file) as { appRoutes: { api: { method: string; route: string }[] } };
  return appRoutes.api.filter((r) => r.method !== "get").map((r) => ({ method: r.method.toUpperCase(), route: r.route }));
}

describe("console: sign-in, roles, sessions and CSRF (HTTP)", function () {
  this.timeout(60000);
  let h: Harness;
  let con: RunningConsole;

  before(async () => {
    h = await Harness.create();
    await seedUser(h.ds, { username: "admin", encoded: DJANGO_VECTOR.encoded, isSuperuser: true });
    await seedUser(h.ds, { username: "grouped", password: "grouped-pw", groups: ["console-admins"] });
    await seedUser(h.ds, { username: "viewer", password: "viewer-pw" });
    await seedUser(h.ds, { username: "learner", password: "learner-pw", isStaff: false });
    await seedUser(h.ds, { username: "gone", password: "gone-pw", isActive: false });
    await seedUser(h.ds, { username: "super-not-staff", password: "snl-pw", isStaff: false, isSuperuser: true });
    await seedUser(h.ds, { username: "unusable", encoded: "!Xk3unusablepassword" });
    con = await startConsole(h, { CONSOLE_ADMIN_GROUP: "console-admins" });
  });
  after(async () => {
    await con?.close();
    await h?.close();
  });

  it("answers anonymous requests with a redirect to /login (pages) or 401 (APIs), and changes nothing", async () => {
    const anon = new ConsoleClient(con.url);
    const page = await anon.get("/queues");
    expect(page.status).to.equal(302);
    expect(page.headers.get("location")).to.equal("/login?next=%2Fqueues");
    expect((await anon.get("/")).status).to.equal(302);
    const api = await anon.get("/queues/api/queues", { accept: "application/json" });
    expect(api.status).to.equal(401);
    const jobId = await makeFailedJob(h.prefix, "certificate-purge", "purge-pdf-certificate", { certificateId: 1 }, "anon-retry");
    const put = await anon.request("PUT", `/queues/api/queues/certificate-purge/${jobId}/retry`, { headers: { accept: "application/json" } });
    expect(put.status).to.equal(401);
    expect(await con.ctx.queues.get("certificate-purge" as never)!.getJobState(jobId)).to.equal("failed");
    expect((await anon.get("/queues/static/js/nothing.js")).status).to.be.oneOf([302, 401]);
  });

  it("signs in a superuser whose password is a real Django PBKDF2 hash, and shows every queue of the registry", async () => {
    const admin = new ConsoleClient(con.url);
    const res = await admin.signIn("admin", DJANGO_VECTOR.password);
    expect(res.status).to.equal(302);
    expect(res.headers.get("location")).to.equal("/");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("owconsole="))!;
    expect(cookie).to.match(/HttpOnly/i).and.match(/SameSite=Lax/i);
    const page = await admin.get("/queues");
    expect(page.status).to.equal(200);
    const api = await admin.get("/queues/api/queues", { accept: "application/json" });
    const body = (await api.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(body.queues.map((q) => q.name).sort()).to.deep.equal([...ALL_QUEUES].sort());
    expect(body.queues.every((q) => q.readOnlyMode === false)).to.equal(true);
  });

  it("shows the job schedulers (cron) with their next run", async () => {
    const queue = con.ctx.queues.get("learner-retirement" as never)!;
    await queue.upsertJobScheduler("retire-learners", { pattern: "0 3 * * *", tz: "UTC" }, { name: "retire-learners", data: {} });
    const viewer = new ConsoleClient(con.url);
    expect((await viewer.signIn("viewer", "viewer-pw")).status).to.equal(302);
    const res = await viewer.get("/queues/api/job-schedulers", { accept: "application/json" });
    expect(res.status).to.equal(200);
    const body = JSON.stringify(await res.json());
    expect(body).to.include("retire-learners").and.include("0 3 * * *");
    const next = (await queue.getJobSchedulers())[0].next!;
    expect(body).to.include(String(next));
    expect(new Date(next).getUTCHours()).to.equal(3);
  });

  it("refuses wrong passwords, unknown, non-staff, inactive, superuser-without-staff and unusable-password users", async () => {
    for (const [username, password] of [
      ["admin", "wrong"], ["nobody", "x"], ["learner", "learner-pw"], ["gone", "gone-pw"], ["super-not-staff", "snl-pw"], ["unusable", "!Xk3unusablepassword"], ["", ""],
    ]) {
      const c = new ConsoleClient(con.url);
      const res = await c.signIn(username, password);
      expect(res.status, username).to.equal(401);
      expect(await res.text(), username).to.include("Please enter the correct username and password for a staff account");
      expect((await c.get("/queues/api/queues", { accept: "application/json" })).status, username).to.equal(401);
    }
  });

  it("read-only staff see the dashboard in bull-board's read-only mode and every change is refused with 403", async () => {
    const jobId = await makeFailedJob(h.prefix, "certificate-purge", "purge-pdf-certificate", { certificateId: 2 }, "ro-retry");
    const viewer = new ConsoleClient(con.url);
    expect((await viewer.signIn("viewer", "viewer-pw")).status).to.equal(302);
    expect((await viewer.get("/queues")).status).to.equal(200);
    const body = (await (await viewer.get("/queues/api/queues", { accept: "application/json" })).json()) as { queues: { readOnlyMode: boolean; allowRetries: boolean }[] };
    expect(body.queues.every((q) => q.readOnlyMode && !q.allowRetries)).to.equal(true);
    const headers = viewer.xsrfHeaders();
    // Every changing route bull-board has (retry, promote, clean, pause, empty, obliterate, schedulers, …).
    const routes = bullBoardChangingRoutes();
    expect(routes.length).to.be.greaterThan(15);
    for (const { method, route } of routes) {
      const url = `/queues${route}`.replace(":queueName", "certificate-purge").replace(":jobId", jobId).replace(":queueStatus", "failed").replace(":schedulerId", "none");
      const res = await viewer.request(method, url, { headers, json: { name: "purge-pdf-certificate", data: { certificateId: 9 } } });
      expect(res.status, `${method} ${url}`).to.equal(403);
    }
    const queue = con.ctx.queues.get("certificate-purge" as never)!;
    expect(await queue.getJobState(jobId)).to.equal("failed");
    expect(await queue.isPaused()).to.equal(false);
    expect(await queue.count()).to.equal(0);
  });

  it("admins too are refused adding jobs, editing a job's data and editing a job scheduler (producers and config own those)", async () => {
    const jobId = await makeFailedJob(h.prefix, "certificate-purge", "purge-pdf-certificate", { certificateId: 4 }, "admin-edit");
    const admin = new ConsoleClient(con.url);
    expect((await admin.signIn("admin", DJANGO_VECTOR.password)).status).to.equal(302);
    await admin.get("/queues");
    const headers = admin.xsrfHeaders();
    const queue = con.ctx.queues.get("certificate-purge" as never)!;
    const before = await queue.count();
    const add = await admin.request("POST", "/queues/api/queues/certificate-purge/add", { headers, json: { name: "purge-pdf-certificate", data: { certificateId: 9 } } });
    expect(add.status).to.equal(403);
    const edit = await admin.request("PATCH", `/queues/api/queues/certificate-purge/${jobId}/update-data`, { headers, json: { jobData: { certificateId: 99 } } });
    expect(edit.status).to.equal(403);
    const schedule = await admin.request("PATCH", "/queues/api/queues/certificate-purge/job-schedulers/any", { headers, json: { pattern: "* * * * *" } });
    expect(schedule.status).to.equal(403);
    expect(await queue.count()).to.equal(before);
    expect((await queue.getJob(jobId))!.data).to.deep.equal({ certificateId: 4 });
    // What admins may do still works: retry.
    expect((await admin.request("PUT", `/queues/api/queues/certificate-purge/${jobId}/retry`, { headers })).status).to.equal(204);
  });

  it("serves everything from itself: the CSP names no other origin and bull-board's page links no external font", async () => {
    const anon = new ConsoleClient(con.url);
    const admin = new ConsoleClient(con.url);
    await admin.signIn("admin", DJANGO_VECTOR.password);
    for (const [client, url] of [[anon, "/login"], [admin, "/queues"]] as const) {
      const res = await client.get(url);
      expect(res.status, url).to.equal(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, url).to.contain("default-src 'self'");
      expect(csp, url).to.not.match(/https?:|\*/);
      const html = await res.text();
      expect(html, url).to.not.match(/(href|src)="(https?:)?\/\//);
    }
  });

  it("members of CONSOLE_ADMIN_GROUP are admins; an admin's change needs the CSRF token (X-XSRF-TOKEN)", async () => {
    const jobId = await makeFailedJob(h.prefix, "certificate-purge", "purge-pdf-certificate", { certificateId: 3 }, "csrf-retry");
    const grouped = new ConsoleClient(con.url);
    expect((await grouped.signIn("grouped", "grouped-pw")).status).to.equal(302);
    await grouped.get("/queues");
    const queue = con.ctx.queues.get("certificate-purge" as never)!;
    const without = await grouped.request("PUT", `/queues/api/queues/certificate-purge/${jobId}/retry`, { headers: { accept: "application/json" } });
    expect(without.status).to.equal(403);
    const forged = await grouped.request("PUT", `/queues/api/queues/certificate-purge/${jobId}/retry`, { headers: { accept: "application/json", "x-xsrf-token": "forged" } });
    expect(forged.status).to.equal(403);
    expect(await queue.getJobState(jobId)).to.equal("failed");
    const ok = await grouped.request("PUT", `/queues/api/queues/certificate-purge/${jobId}/retry`, { headers: grouped.xsrfHeaders() });
    expect(ok.status).to.equal(204);
    expect(await queue.getJobState(jobId)).to.be.oneOf(["waiting", "wait"]);
  });

  it("a login POST without the CSRF token is refused and signs nobody in", async () => {
    const c = new ConsoleClient(con.url);
    await c.get("/login");
    const res = await c.request("POST", "/login", { form: { username: "admin", password: DJANGO_VECTOR.password } });
    expect(res.status).to.equal(403);
    expect((await c.get("/queues/api/queues", { accept: "application/json" })).status).to.equal(401);
  });

  it("keeps only the user id in a Redis session with the idle timeout as TTL; POST /logout ends it for good", async () => {
    const c = new ConsoleClient(con.url);
    const viewerId: number = (await h.ds.query("SELECT id FROM auth_user WHERE username = 'viewer'"))[0].id;
    await c.signIn("viewer", "viewer-pw");
    const redis = new IORedis(services.redisUrl);
    try {
      // The signed cookie is "<session id>.<signature>".
      const sessionId = decodeURIComponent(c.cookies.get("owconsole")!).replace(/^s:/, "").split(".")[0];
      const key = `${h.prefix}:console:sess:${sessionId}`;
      const mine = await redis.get(key);
      expect(mine, "session with the user id").to.include(`"userId":${viewerId}`);
      expect(mine).not.to.include("viewer");
      expect(mine).not.to.include("@example.com");
      const ttl = await redis.ttl(key);
      expect(ttl).to.be.within(1, 30 * 60);

      const stolen = new Map(c.cookies);
      await c.get("/queues");
      const logoutToken = c.xsrfHeaders()["x-xsrf-token"];
      const out = await c.request("POST", "/logout", { form: { _csrf: logoutToken } });
      expect(out.status).to.equal(302);
      expect(await redis.exists(key)).to.equal(0);
      const replay = new ConsoleClient(con.url);
      for (const [k, v] of stolen) replay.cookies.set(k, v);
      expect((await replay.get("/queues/api/queues", { accept: "application/json" })).status).to.equal(401);
    } finally {
      redis.disconnect();
    }
  });

  it("rate-limits sign-in attempts per username (even from a fresh client) and per address", async () => {
    const limited = await startConsole(h, { CONSOLE_LOGIN_MAX_PER_USER: "2", CONSOLE_LOGIN_MAX_PER_IP: "4", QUEUE_PREFIX: `${h.prefix}-rl` });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await new ConsoleClient(limited.url).signIn("viewer", "wrong")).status);
      expect(statuses).to.deep.equal([401, 401, 429]);
      // The right password does not get through the per-username limit either.
      expect((await new ConsoleClient(limited.url).signIn("viewer", "viewer-pw")).status).to.equal(429);
      // Another username from the same address: two more attempts left on the per-address limit... then refused.
      expect((await new ConsoleClient(limited.url).signIn("grouped", "grouped-pw")).status).to.equal(429);
    } finally {
      await limited.close();
    }
  });

  it("the console command validates its settings and exits 2 listing every problem", async () => {
    const res = await runCliInProcess(["console"], h.env({
      OPENEDX_WORKERS_DEVELOPMENT_MODE: "false",
      CONSOLE_PORT: "99999",
      CONSOLE_PROXY_USER_HEADER: "X-Forwarded-User",
      CONSOLE_TRUSTED_PROXIES: "",
      RETIRED_USER_SALTS: "a-real-salt",
    }));
    expect(res.code).to.equal(2);
    expect(res.err).to.include("CONSOLE_PORT: must be at most 65535");
    expect(res.err).to.include("CONSOLE_SESSION_SECRET: is required");
    expect(res.err).to.include("CONSOLE_TRUSTED_PROXIES: must list the proxy's addresses");
    const short = await runCliInProcess(["console"], h.env({ CONSOLE_SESSION_SECRET: "short", CONSOLE_TRUSTED_PROXIES: "10.0.0.0/40" }));
    expect(short.code).to.equal(2);
    expect(short.err).to.include("CONSOLE_SESSION_SECRET: must be at least 32 characters");
    expect(short.err).to.include('"10.0.0.0/40" is not an IP address or CIDR range');
  });

  it("SSO proxy mode: the user header is trusted from the configured proxy only, and must name active staff", async () => {
    const trusting = await startConsole(h, { CONSOLE_PROXY_USER_HEADER: "X-Forwarded-User", CONSOLE_TRUSTED_PROXIES: "127.0.0.0/8" });
    const distrusting = await startConsole(h, { CONSOLE_PROXY_USER_HEADER: "X-Forwarded-User", CONSOLE_TRUSTED_PROXIES: "10.1.2.3" });
    try {
      const viaProxy = new ConsoleClient(trusting.url);
      const ok = await viaProxy.get("/queues/api/queues", { accept: "application/json", "x-forwarded-user": "viewer" });
      expect(ok.status).to.equal(200);
      const body = (await ok.json()) as { queues: { readOnlyMode: boolean }[] };
      expect(body.queues[0].readOnlyMode).to.equal(true);
      expect((await new ConsoleClient(trusting.url).get("/queues/api/queues", { accept: "application/json", "x-forwarded-user": "learner" })).status).to.equal(403);
      expect((await new ConsoleClient(distrusting.url).get("/queues/api/queues", { accept: "application/json", "x-forwarded-user": "admin" })).status).to.equal(401);
    } finally {
      await trusting.close();
      await distrusting.close();
    }
  });
});
