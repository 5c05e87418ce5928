import { expect } from "chai";
import { Harness } from "../support/harness";
import { encodings } from "../retirement/encoded-forms";
import { ConsoleClient, seedUser, startConsole, type RunningConsole } from "./console-fixtures";
import { RetirementSeed, UP_TO } from "./retirement-seed";

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;").replace(/'/g, "&#39;");

describe("console: a learner's timeline shows no original identifier in any encoding (HTTP)", function () {
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

  it("URL-encoded, JSON-escaped and HTML-entity forms of the username, email and name quoted by services are blanked", async () => {
    const seed = await RetirementSeed.create(h.ds);
    const pii = { username: "zoe_obrien", email: "Zoë.O'Brien+cert@example.org", name: "Zoë O'Brien" };
    const written = Object.values(pii).flatMap((v) => Object.values(encodings(v)));
    const note = written.map((w, i) => `try ${i}: GET /api/user/v1/accounts?email=${w} -> {"detail":"${w}"}`).join("\n");
    const learner = await seed.learner([...UP_TO("RETIRING_LMS"), "ERRORED"], { pii, note });
    const viewer = new ConsoleClient(con.url);
    expect((await viewer.signIn("viewer", "viewer-pw")).status).to.equal(302);
    const res = await viewer.get(`/retirement/learners/${learner.userId}`);
    expect(res.status).to.equal(200);
    const html = await res.text();
    expect(html).to.include("try 0: GET /api/user/v1/accounts?email=[redacted]");
    for (const w of new Set(written)) {
      expect(html, w).to.not.include(w);
      expect(html, w).to.not.include(escapeHtml(w));
    }
    expect(html.toLowerCase()).to.not.include("obrien");
  });
});
