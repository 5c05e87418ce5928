import { expect } from "chai";
import IORedis from "ioredis";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { ConsoleClient, seedUser, startConsole, type RunningConsole } from "./console-fixtures";

/** The rate-limit counters under a prefix (the harness deletes them with the prefix). */
async function rateLimitKeys(prefix: string): Promise<string[]> {
  const redis = new IORedis(services.redisUrl);
  try {
    return await redis.keys(`${prefix}:console:rl:*`);
  } finally {
    redis.disconnect();
  }
}

describe("console: sign-in throttling that cannot be side-stepped or abused", function () {
  this.timeout(60000);
  let h: Harness;
  const consoles: RunningConsole[] = [];
  let n = 0;

  /** A console of its own (own rate-limit counters) with these limits. */
  async function limitedConsole(env: Record<string, string>): Promise<RunningConsole & { prefix: string }> {
    const prefix = `${h.prefix}-t${n++}`;
    const con = await startConsole(h, { QUEUE_PREFIX: prefix, ...env });
    consoles.push(con);
    return Object.assign(con, { prefix });
  }

  before(async () => {
    h = await Harness.create();
    await seedUser(h.ds, { username: "admin", password: "right-pw", isSuperuser: true });
    await seedUser(h.ds, { username: "viewer", password: "viewer-pw" });
  });
  after(async () => {
    for (const c of consoles) await c.close();
    await h?.close();
  });

  it("after 4 wrong passwords for admin, àdmin (and ADMIN, Àdmin) with the right password answer 429, saying when to retry", async () => {
    const con = await limitedConsole({ CONSOLE_LOGIN_MAX_PER_USER: "4" });
    for (let i = 0; i < 4; i++) expect((await new ConsoleClient(con.url).signIn("admin", "wrong")).status).to.equal(401);
    for (const spelling of ["àdmin", "ADMIN", "Àdmin", " admin ", "admin"]) {
      const c = new ConsoleClient(con.url);
      const res = await c.signIn(spelling, "right-pw");
      expect(res.status, spelling).to.equal(429);
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter, spelling).to.be.within(1, 300);
      expect(await res.text(), spelling).to.match(/Too many sign-in attempts\. Try again in \d+ (seconds?|minutes) \(after \d\d:\d\d UTC\)\./);
      expect((await c.get("/queues/api/queues", { accept: "application/json" })).status, spelling).to.equal(401);
    }
    // Another account is not affected by admin's budget.
    expect((await new ConsoleClient(con.url).signIn("viewer", "viewer-pw")).status).to.equal(302);
    // No username in Redis: the account's key is its id.
    const keys = await rateLimitKeys(con.prefix);
    expect(keys.join(" ")).to.not.match(/admin|viewer/i);
  });

  it("spellings of a username nobody has share one budget too (the database's collation decides, not lower-casing)", async () => {
    const con = await limitedConsole({ CONSOLE_LOGIN_MAX_PER_USER: "2" });
    expect((await new ConsoleClient(con.url).signIn("ghost", "x")).status).to.equal(401);
    expect((await new ConsoleClient(con.url).signIn("GHÖST", "x")).status).to.equal(401);
    expect((await new ConsoleClient(con.url).signIn("ghòst", "x")).status).to.equal(429);
    expect((await new ConsoleClient(con.url).signIn("ghosts", "x")).status).to.equal(401);
  });

  it("POSTs without the form's CSRF token (or with a forged one) count nothing: they cannot lock a staff user out", async () => {
    const con = await limitedConsole({ CONSOLE_LOGIN_MAX_PER_USER: "2", CONSOLE_LOGIN_MAX_PER_IP: "2" });
    const attacker = new ConsoleClient(con.url);
    for (let i = 0; i < 20; i++) {
      const noToken = await attacker.request("POST", "/login", { form: { username: "admin", password: `guess-${i}` } });
      expect(noToken.status).to.equal(403);
      const forged = await attacker.request("POST", "/login", { form: { username: "admin", password: `guess-${i}`, _csrf: "forged-token" } });
      expect(forged.status).to.equal(403);
    }
    expect(await rateLimitKeys(con.prefix)).to.deep.equal([]);
    expect((await new ConsoleClient(con.url).signIn("admin", "right-pw")).status).to.equal(302);
  });

  it("counts per client address with IPv6 grouped by /64 (behind a trusted proxy, the forwarded address)", async () => {
    const con = await limitedConsole({ CONSOLE_LOGIN_MAX_PER_IP: "3", CONSOLE_TRUSTED_PROXIES: "127.0.0.1" });
    const from = async (address: string, username: string) => {
      const c = new ConsoleClient(con.url);
      const _csrf = await c.formToken("/login");
      return (await c.request("POST", "/login", { form: { username, password: "wrong", _csrf }, headers: { "x-forwarded-for": address } })).status;
    };
    // Three hosts of one /64, three different usernames: the prefix's budget is spent.
    expect(await from("2001:db8:1:2::a", "u1")).to.equal(401);
    expect(await from("2001:db8:1:2::b", "u2")).to.equal(401);
    expect(await from("2001:db8:1:2:ffff:ffff:ffff:ffff", "u3")).to.equal(401);
    expect(await from("2001:db8:1:2:1234::1", "u4")).to.equal(429);
    // The next /64 is another client.
    expect(await from("2001:db8:1:3::a", "u5")).to.equal(401);
    // IPv4 addresses (and their IPv4-mapped IPv6 form) are one address each.
    for (const u of ["u6", "u7", "u8"]) expect(await from("192.0.2.7", u)).to.equal(401);
    expect(await from("::ffff:192.0.2.7", "u9")).to.equal(429);
    expect(await from("192.0.2.8", "u10")).to.equal(401);
  });
});
