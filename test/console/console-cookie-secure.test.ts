import { expect } from "chai";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { ConsoleClient, seedUser, SESSION_SECRET, startConsole, type RunningConsole } from "./console-fixtures";

describe("console: CONSOLE_COOKIE_SECURE=true never fails sign-in silently", function () {
  this.timeout(60000);
  let h: Harness;
  const consoles: RunningConsole[] = [];

  before(async () => {
    h = await Harness.create();
    await seedUser(h.ds, { username: "viewer", password: "viewer-pw" });
  });
  after(async () => {
    for (const c of consoles) await c.close();
    await h?.close();
  });

  it("over plain HTTP without CONSOLE_TRUSTED_PROXIES, `console` refuses to start (exit 2) naming both settings", async () => {
    const res = await runCliInProcess(["console", "--port", "0"], h.env({ CONSOLE_COOKIE_SECURE: "true", CONSOLE_SESSION_SECRET: SESSION_SECRET }));
    expect(res.code).to.equal(2);
    expect(res.err).to.include("CONSOLE_COOKIE_SECURE: is true").and.include("CONSOLE_TRUSTED_PROXIES");
    expect(res.err).to.not.match(/\n\s+at /);
  });

  it("behind a trusted TLS proxy (X-Forwarded-Proto: https) sign-in works with Secure cookies", async () => {
    const con = await startConsole(h, { CONSOLE_COOKIE_SECURE: "true", CONSOLE_TRUSTED_PROXIES: "127.0.0.1" });
    consoles.push(con);
    const proxied = { accept: "text/html", "x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.4" };
    const c = new ConsoleClient(con.url);
    const form = await c.get("/login", proxied);
    expect(form.status).to.equal(200);
    expect(form.headers.getSetCookie().find((x) => x.startsWith("owconsole_csrf="))).to.match(/;\s*Secure/i);
    const _csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1];
    const res = await c.request("POST", "/login", { form: { username: "viewer", password: "viewer-pw", _csrf }, headers: proxied });
    expect(res.status).to.equal(302);
    expect(res.headers.getSetCookie().find((x) => x.startsWith("owconsole="))).to.match(/;\s*Secure/i);
    expect((await c.get("/queues/api/queues", { ...proxied, accept: "application/json" })).status).to.equal(200);
  });

  it("a request that did not come over HTTPS through a trusted proxy gets a page saying so, not a silent 403", async () => {
    const direct = await startConsole(h, { CONSOLE_COOKIE_SECURE: "true", CONSOLE_TRUSTED_PROXIES: "127.0.0.1", QUEUE_PREFIX: `${h.prefix}-d` });
    const untrusted = await startConsole(h, { CONSOLE_COOKIE_SECURE: "true", CONSOLE_TRUSTED_PROXIES: "10.9.9.9", QUEUE_PREFIX: `${h.prefix}-u` });
    consoles.push(direct, untrusted);
    for (const [con, headers] of [[direct, {}], [untrusted, { "x-forwarded-proto": "https" }]] as const) {
      const c = new ConsoleClient(con.url);
      const page = await c.get("/login", { accept: "text/html", ...headers });
      expect(page.status).to.equal(400);
      const text = await page.text();
      expect(text).to.include("CONSOLE_COOKIE_SECURE").and.include("CONSOLE_TRUSTED_PROXIES");
      const post = await c.request("POST", "/login", { form: { username: "viewer", password: "viewer-pw" }, headers: { accept: "text/html", ...headers } });
      expect(post.status).to.equal(400);
      expect(await post.text()).to.include("CONSOLE_COOKIE_SECURE");
    }
  });
});
