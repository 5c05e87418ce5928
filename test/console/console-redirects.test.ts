import { expect } from "chai";
import { safeRedirectTarget } from "../../src/console/safe-redirect";
import { Harness } from "../support/harness";
import { ConsoleClient, seedUser, startConsole, type RunningConsole } from "./console-fixtures";

/** Targets a browser would follow to another site (or that decode to one), each refused. */
const HOSTILE = [
  "/%09/evil.example", // the sequence: the tab is dropped, `//evil.example` is another site
  "/\t/evil.example",
  "/%0a/evil.example",
  "/%0d%0a/evil.example",
  "//evil.example",
  "/\\evil.example",
  "/%5Cevil.example",
  "/%5cevil.example",
  "/%2F%2Fevil.example",
  "/%2f/evil.example",
  "/%252F%252Fevil.example", // encoded twice
  "/%25252F%25252Fevil.example",
  "/.//evil.example", // normalises to //evil.example
  "/a/..//evil.example",
  "https://evil.example/",
  "javascript:alert(1)",
  "%2F%2Fevil.example",
  " /queues",
  "/%00queues",
  "/\u0000/evil.example",
  "/%E0%A4%A",
  "",
];

describe("console: redirect targets stay on the console (open redirect)", function () {
  this.timeout(60000);
  let h: Harness;
  let con: RunningConsole;

  before(async () => {
    h = await Harness.create();
    await seedUser(h.ds, { username: "viewer", password: "viewer-pw" });
    con = await startConsole(h);
  });
  after(async () => {
    await con?.close();
    await h?.close();
  });

  it("keeps paths of the console, normalised", () => {
    expect(safeRedirectTarget("/queues")).to.equal("/queues");
    expect(safeRedirectTarget("/queues/queue/certificate-purge?status=failed")).to.equal("/queues/queue/certificate-purge?status=failed");
    expect(safeRedirectTarget("/retirement/../queues")).to.equal("/queues");
    expect(safeRedirectTarget("/queues?next=%2Fretirement")).to.equal("/queues?next=%2Fretirement");
    for (const target of HOSTILE) expect(safeRedirectTarget(target), JSON.stringify(target)).to.equal(undefined);
  });

  it("signed in, GET /login?next=/%09/evil.example redirects to the console's home, not to another site", async () => {
    const c = new ConsoleClient(con.url);
    expect((await c.signIn("viewer", "viewer-pw")).status).to.equal(302);
    const res = await c.get("/login?next=/%09/evil.example");
    expect(res.status).to.equal(302);
    expect(res.headers.get("location")).to.equal("/");
    for (const target of HOSTILE) {
      const r = await c.get(`/login?next=${encodeURIComponent(target)}`);
      expect(r.headers.get("location"), JSON.stringify(target)).to.equal("/");
    }
    // A path of the console is kept.
    expect((await c.get(`/login?next=${encodeURIComponent("/queues/queue/certificate-purge?status=failed")}`)).headers.get("location")).to.equal("/queues/queue/certificate-purge?status=failed");
  });

  it("the sign-in POST's next is checked the same way, and the form does not carry a hostile next along", async () => {
    for (const target of HOSTILE) {
      const c = new ConsoleClient(con.url);
      const form = await (await c.get(`/login?next=${encodeURIComponent(target)}`)).text();
      expect(form, JSON.stringify(target)).to.include('name="next" value="/"');
      const _csrf = /name="_csrf" value="([^"]+)"/.exec(form)![1];
      const res = await c.request("POST", "/login", { form: { username: "viewer", password: "viewer-pw", _csrf, next: target } });
      expect(res.status, JSON.stringify(target)).to.equal(302);
      expect(res.headers.get("location"), JSON.stringify(target)).to.equal("/");
    }
  });

  it("an anonymous request for a hostile path is sent to /login without carrying the path along", async () => {
    const anon = new ConsoleClient(con.url);
    const res = await anon.get("/%09/evil.example");
    const location = res.headers.get("location");
    if (location !== null) expect(safeRedirectTarget(location), location).to.not.equal(undefined);
    expect(location ?? "").to.not.include("evil");
  });
});
