import { expect } from "chai";
import IORedis from "ioredis";
import { makeDjangoPassword } from "../../src/services/auth/django-password";
import { Harness } from "../support/harness";
import { OwnRedis } from "../support/own-redis";
import { services } from "../support/services";
import { ConsoleClient, seedUser, startConsole, type RunningConsole } from "./console-fixtures";
import { makeFailedJob } from "./console-helpers";

describe("console: no state before sign-in, and sessions that end", function () {
  this.timeout(60000);
  let h: Harness;
  let con: RunningConsole;
  let redis: IORedis;

  /** Every key the console keeps under the queue prefix (sessions, rate limits, anything else). */
  const consoleKeys = () => redis.keys(`${h.prefix}:console:*`);
  const sessionKeys = () => redis.keys(`${h.prefix}:console:sess:*`);
  const sessionKeyOf = (c: ConsoleClient) => `${h.prefix}:console:sess:${decodeURIComponent(c.cookies.get("owconsole")!).replace(/^s:/, "").split(".")[0]}`;

  before(async () => {
    h = await Harness.create();
    redis = new IORedis(services.redisUrl);
    await seedUser(h.ds, { username: "admin", password: "admin-pw", isSuperuser: true });
    for (const name of ["changes-pw", "loses-staff", "deactivated", "old-session", "viewer"]) await seedUser(h.ds, { username: name, password: `${name}-pw` });
    con = await startConsole(h, { CONSOLE_SESSION_MAX_AGE: "3600" });
  });
  after(async () => {
    redis?.disconnect();
    await con?.close();
    await h?.close();
  });

  it("50 anonymous GET /login (and other anonymous pages) write nothing to Redis; the form still signs in", async () => {
    expect(await consoleKeys()).to.deep.equal([]);
    for (let i = 0; i < 50; i++) {
      const res = await new ConsoleClient(con.url).get("/login");
      expect(res.status).to.equal(200);
      // The form's CSRF secret is a signed cookie of the browser, not a session.
      expect(res.headers.getSetCookie().some((c) => c.startsWith("owconsole_csrf="))).to.equal(true);
      expect(res.headers.getSetCookie().some((c) => c.startsWith("owconsole="))).to.equal(false);
    }
    const anon = new ConsoleClient(con.url);
    for (const path of ["/", "/queues", "/logout", "/retirement", "/healthz"]) await anon.get(path);
    await anon.request("POST", "/logout", { form: {} });
    expect(await sessionKeys()).to.deep.equal([]);
    expect(await consoleKeys()).to.deep.equal([]);
    const c = new ConsoleClient(con.url);
    expect((await c.signIn("viewer", "viewer-pw")).status).to.equal(302);
    expect(await sessionKeys()).to.have.length(1);
  });

  it("on a Redis of its own: 50 anonymous GET /login (and a failed sign-in) create 0 keys and send no write command at all", async () => {
    const own = await OwnRedis.start();
    const ownConsole = await startConsole(h, { REDIS_URL: own.url });
    const probe = new IORedis(own.url);
    try {
      // BullMQ writes each queue's meta key when the console opens its queues: once, at start, not per request.
      const keysBefore = await probe.dbsize();
      await probe.config("RESETSTAT");
      for (let i = 0; i < 50; i++) expect((await new ConsoleClient(ownConsole.url).get("/login")).status).to.equal(200);
      const anon = new ConsoleClient(ownConsole.url);
      for (const path of ["/", "/queues", "/queues/api/queues", "/retirement", "/queue-actions", "/logout"]) await anon.get(path);
      // A POST without the form's token is refused before anything is counted.
      expect((await anon.request("POST", "/login", { form: { username: "admin", password: "x" } })).status).to.equal(403);
      expect(await probe.dbsize()).to.equal(keysBefore);
      // INFO commandstats lists every command the server ran since RESETSTAT (the probe's own INFO included).
      const info = await probe.info("commandstats");
      const commands = [...info.matchAll(/^cmdstat_([a-z|_]+):/gm)].map((m) => m[1]);
      const writes: string[] = [];
      for (const name of commands) {
        const [[, , flags]] = (await probe.command("INFO", name.split("|")[0])) as Array<[string, number, string[]]>;
        if (flags.includes("write") || /^(eval|evalsha|fcall|script)/.test(name)) writes.push(name);
      }
      expect(writes, info).to.deep.equal([]);
      // The probe sees writes when there are some: signing in stores a session.
      await seedUser(h.ds, { username: "own-redis-staff", password: "own-redis-pw" });
      expect((await new ConsoleClient(ownConsole.url).signIn("own-redis-staff", "own-redis-pw")).status).to.equal(302);
      expect(await probe.dbsize()).to.be.greaterThan(keysBefore);
    } finally {
      probe.disconnect();
      await ownConsole.close();
      await own.stop();
    }
  });

  it("the CSRF cookie is signed, and a sign-in form's token does not authorise a signed-in change", async () => {
    const c = new ConsoleClient(con.url);
    const formToken = await c.formToken("/login");
    // A cookie the attacker made up (unsigned) is no secret.
    const forged = new ConsoleClient(con.url);
    forged.cookies.set("owconsole_csrf", "attacker-secret");
    expect((await forged.request("POST", "/login", { form: { username: "admin", password: "admin-pw", _csrf: formToken } })).status).to.equal(403);
    expect((await c.request("POST", "/login", { form: { username: "admin", password: "admin-pw", _csrf: formToken } })).status).to.equal(302);
    const jobId = await makeFailedJob(h.prefix, "certificate-purge", "purge-pdf-certificate", { certificateId: 1 }, "csrf-bound");
    const withFormToken = await c.request("PUT", `/queues/api/queues/certificate-purge/${jobId}/retry`, { headers: { "x-xsrf-token": formToken, accept: "application/json" } });
    expect(withFormToken.status).to.equal(403);
    expect(await con.ctx.queues.get("certificate-purge" as never)!.getJobState(jobId)).to.equal("failed");
    await c.get("/queues");
    expect((await c.request("PUT", `/queues/api/queues/certificate-purge/${jobId}/retry`, { headers: c.xsrfHeaders() })).status).to.equal(204);
  });

  it("a session ends when the LMS password changes (a digest of the hash is kept, not the hash); the new password signs in", async () => {
    const c = new ConsoleClient(con.url);
    await c.signIn("changes-pw", "changes-pw-pw");
    expect((await c.get("/queues/api/queues", { accept: "application/json" })).status).to.equal(200);
    const key = sessionKeyOf(c);
    const [{ password }] = await h.ds.query("SELECT password FROM auth_user WHERE username = 'changes-pw'");
    const stored = (await redis.get(key))!;
    expect(stored).to.not.include(password.split("$")[3]);
    expect(stored).to.not.include("changes-pw");
    await h.ds.query("UPDATE auth_user SET password = ? WHERE username = 'changes-pw'", [await makeDjangoPassword("new-pw", { iterations: 1000 })]);
    expect((await c.get("/queues/api/queues", { accept: "application/json" })).status).to.equal(401);
    expect(await redis.exists(key)).to.equal(0);
    expect((await c.get("/queues")).headers.get("location")).to.match(/^\/login/);
    expect((await new ConsoleClient(con.url).signIn("changes-pw", "new-pw")).status).to.equal(302);
  });

  it("a session ends when the user loses is_staff or is_active", async () => {
    for (const [username, column] of [["loses-staff", "is_staff"], ["deactivated", "is_active"]]) {
      const c = new ConsoleClient(con.url);
      await c.signIn(username, `${username}-pw`);
      expect((await c.get("/queues/api/queues", { accept: "application/json" })).status, username).to.equal(200);
      const key = sessionKeyOf(c);
      await h.ds.query(`UPDATE auth_user SET ${column} = 0 WHERE username = ?`, [username]);
      expect((await c.get("/queues/api/queues", { accept: "application/json" })).status, username).to.equal(401);
      expect(await redis.exists(key), username).to.equal(0);
    }
  });

  it("a session ends CONSOLE_SESSION_MAX_AGE after sign-in however active it is", async () => {
    const c = new ConsoleClient(con.url);
    await c.signIn("old-session", "old-session-pw");
    const key = sessionKeyOf(c);
    // Being active keeps it (the idle timeout rolls) ...
    for (let i = 0; i < 3; i++) expect((await c.get("/queues/api/queues", { accept: "application/json" })).status).to.equal(200);
    // ... until its sign-in is an hour old: the session as it would be an hour later (its kept sign-in time moved back).
    const session = JSON.parse((await redis.get(key))!) as { signedInAt: number };
    expect(session.signedInAt).to.be.a("number");
    session.signedInAt -= 3600 * 1000;
    await redis.set(key, JSON.stringify(session), "KEEPTTL");
    expect((await c.get("/queues/api/queues", { accept: "application/json" })).status).to.equal(401);
    expect(await redis.exists(key)).to.equal(0);
  });

  it("every signed-in response is Cache-Control: no-store (pages, APIs, bull-board's files, redirects, errors)", async () => {
    const c = new ConsoleClient(con.url);
    expect((await c.signIn("admin", "admin-pw")).headers.get("cache-control"), "the sign-in's redirect").to.equal("no-store");
    const page = await (await c.get("/queues")).text();
    // Relative to the page's <base href="/queues/">.
    const src = /src="([^"]+\.js)"/.exec(page)?.[1];
    expect(src, "bull-board's script").to.be.a("string");
    const script = new URL(src!, `${con.url}/queues/`).pathname;
    const paths = ["/queues", "/queues/api/queues", "/queues/queue/certificate-purge", script, "/retirement", "/", "/generation/failed-tasks", "/logout", "/queues/api/queues/no-such-queue"];
    for (const path of paths) {
      const res = await c.get(path, { accept: path.includes("/api/") ? "application/json" : "text/html" });
      expect(res.headers.get("cache-control"), `${path} (${res.status})`).to.equal("no-store");
    }
    // Changes too: bull-board's API and a console form's answer.
    const pause = await c.request("PUT", "/queues/api/queues/certificate-purge/pause", { headers: c.xsrfHeaders() });
    expect([pause.status, pause.headers.get("cache-control")]).to.deep.equal([200, "no-store"]);
    await c.request("PUT", "/queues/api/queues/certificate-purge/resume", { headers: c.xsrfHeaders() });
    const _csrf = await c.formToken("/generation/failed-tasks");
    const ask = await c.request("POST", "/generation/failed-tasks/reapply", { form: { _csrf }, headers: { accept: "text/html" } });
    expect(ask.headers.get("cache-control"), `reapply all (${ask.status})`).to.equal("no-store");
    const anon = new ConsoleClient(con.url);
    // bull-board's files are served after sign-in only.
    expect((await anon.get(script, { accept: "*/*" })).status).to.equal(401);
    expect((await anon.get("/login")).headers.get("cache-control")).to.equal("no-store");
    expect((await anon.get("/queues")).headers.get("cache-control")).to.equal("no-store");
  });
});
