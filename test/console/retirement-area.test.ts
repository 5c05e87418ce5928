import { expect } from "chai";
import { Harness } from "../support/harness";
import { ConsoleClient, DJANGO_VECTOR, seedUser, startConsole, type RunningConsole } from "./console-fixtures";
import { RetirementSeed, UP_TO } from "./retirement-seed";

/** The retirement pages over HTTP (the browser suite drives the same pages in Chromium). */
describe("console: retirement pages (HTTP)", function () {
  this.timeout(60000);
  let h: Harness;
  let con: RunningConsole;
  let seed: RetirementSeed;
  let admin: ConsoleClient;
  let viewer: ConsoleClient;

  before(async () => {
    h = await Harness.create();
    await seedUser(h.ds, { username: "admin", encoded: DJANGO_VECTOR.encoded, isSuperuser: true });
    await seedUser(h.ds, { username: "viewer", password: "viewer-pw" });
    seed = await RetirementSeed.create(h.ds);
    con = await startConsole(h);
    admin = new ConsoleClient(con.url);
    await admin.signIn("admin", DJANGO_VECTOR.password);
    viewer = new ConsoleClient(con.url);
    await viewer.signIn("viewer", "viewer-pw");
  });
  after(async () => {
    await con?.close();
    await h?.close();
  });

  it("anonymous visitors are sent to /login and their POSTs get 401", async () => {
    const anon = new ConsoleClient(con.url);
    const page = await anon.get("/retirement/learners");
    expect(page.status).to.equal(302);
    expect(page.headers.get("location")).to.equal("/login?next=%2Fretirement%2Flearners");
    expect((await anon.request("POST", "/retirement/states/populate", { form: {}, headers: { accept: "text/html" } })).status).to.equal(401);
  });

  it("read-only staff read every page; every change is refused with 403 and nothing is written", async () => {
    const learner = await seed.learner([...UP_TO("RETIRING_LMS"), "ERRORED"]);
    const before = await seed.row(learner.userId);
    for (const path of ["/retirement", "/retirement/learners", `/retirement/learners/${learner.userId}`, "/retirement/states"]) {
      expect((await viewer.get(path)).status, path).to.equal(200);
    }
    const _csrf = await viewer.formToken(`/retirement/learners/${learner.userId}`);
    for (const [path, form] of [
      [`/retirement/learners/${learner.userId}/state`, { state: "COMPLETE", force: "1", reason: "r" }],
      [`/retirement/learners/${learner.userId}/rewind`, { rewind_reason: "r", enqueue: "1" }],
      ["/retirement/states/populate", {}],
    ] as const) {
      const res = await viewer.request("POST", path, { form: { ...form, _csrf }, headers: { accept: "text/html" } });
      expect(res.status, path).to.equal(403);
      expect(await res.text()).to.include("Your account is read-only");
    }
    expect(await seed.row(learner.userId)).to.deep.equal(before);
  });

  it("an admin's change without the CSRF token is refused", async () => {
    const learner = await seed.learner(UP_TO("LOCKING_COMPLETE"));
    const before = await seed.row(learner.userId);
    const res = await admin.request("POST", `/retirement/learners/${learner.userId}/state`, { form: { state: "COMPLETE", reason: "no token" }, headers: { accept: "text/html" } });
    expect(res.status).to.equal(403);
    expect(await seed.row(learner.userId)).to.deep.equal(before);
  });

  it("an admin's set state asks for confirmation first, then moves the learner, records who and why, and redirects to the result; an invalid one writes nothing", async () => {
    const learner = await seed.learner(UP_TO("EMAIL_LISTS_COMPLETE"));
    const before = await seed.row(learner.userId);
    const _csrf = await admin.formToken(`/retirement/learners/${learner.userId}`);
    const form = { state: "ENROLLMENTS_COMPLETE", reason: "done by hand", _csrf };
    const ask = await admin.request("POST", `/retirement/learners/${learner.userId}/state`, { form, headers: { accept: "text/html" } });
    expect(ask.status).to.equal(200);
    const confirmation = await ask.text();
    expect(confirmation).to.include(`Move user ${learner.userId} from EMAIL_LISTS_COMPLETE to ENROLLMENTS_COMPLETE?`);
    expect(confirmation).to.match(/name="from" value="EMAIL_LISTS_COMPLETE"/);
    expect(await seed.row(learner.userId), "nothing written before the confirmation").to.deep.equal(before);

    const res = await admin.request("POST", `/retirement/learners/${learner.userId}/state`, { form: { ...form, from: "EMAIL_LISTS_COMPLETE", post: "yes" } });
    expect(res.status).to.equal(303);
    const location = res.headers.get("location")!;
    expect(location).to.match(new RegExp(`^/retirement/learners/${learner.userId}\\?result=[0-9a-f]{32}$`));
    const row = await seed.row(learner.userId);
    expect(row.state).to.equal("ENROLLMENTS_COMPLETE");
    expect(row.responses).to.match(/to ENROLLMENTS_COMPLETE \(step 81\):\nSet by admin \(auth_user \d+\) in the openedx-workers console at [^ ]+Z\. Reason: done by hand\n$/);
    // The result page, as often as it is reloaded: the message, nothing done again.
    for (let i = 0; i < 2; i++) expect(await (await admin.get(location)).text()).to.include(`Moved user ${learner.userId} from EMAIL_LISTS_COMPLETE to ENROLLMENTS_COMPLETE.`);
    expect(await seed.row(learner.userId)).to.deep.equal(row);
    // Another staff user cannot read someone else's result.
    expect(await (await viewer.get(location)).text()).to.not.include("Moved user");

    // A confirmation for a state the learner has left since (a stale page) writes nothing.
    const stale = await admin.request("POST", `/retirement/learners/${learner.userId}/state`, { form: { state: "LMS_COMPLETE", reason: "stale", from: "EMAIL_LISTS_COMPLETE", post: "yes", _csrf }, headers: { accept: "text/html" } });
    expect(stale.status).to.equal(409);
    expect(await stale.text()).to.include("The learner changed state meanwhile");
    expect(await seed.row(learner.userId)).to.deep.equal(row);

    // A POST that failed validation re-renders with a fresh token: the next try works without reloading.
    const bad = await admin.request("POST", `/retirement/learners/${learner.userId}/state`, { form: { state: "LMS_COMPLETE", reason: "", _csrf, post: "yes" } });
    expect(bad.status).to.equal(400);
    const html = await bad.text();
    expect(html).to.match(/id="reason-error" role="alert">A reason is required\.</);
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1];
    expect(await seed.row(learner.userId)).to.deep.equal(row);
    const retry = await admin.request("POST", `/retirement/learners/${learner.userId}/state`, { form: { state: "LMS_COMPLETE", reason: "second try", from: "ENROLLMENTS_COMPLETE", post: "yes", _csrf: token } });
    expect(retry.status).to.equal(303);
    expect((await seed.row(learner.userId)).state).to.equal("LMS_COMPLETE");
  });

  it("looks a learner up by exact original username, email or user id (a POST, read-only staff too), never showing the value back", async () => {
    const pii = { username: "dorothy_v", email: "dorothy.vaughan@nasa.example", name: "Dorothy Vaughan" };
    const learner = await seed.learner(UP_TO("LOCKING_COMPLETE"), { pii });
    const _csrf = await viewer.formToken("/retirement/learners");
    for (const value of [pii.username, pii.email, pii.email.toUpperCase(), String(learner.userId)]) {
      const res = await viewer.request("POST", "/retirement/lookup", { form: { identifier: value, _csrf }, headers: { accept: "text/html" } });
      expect(res.status, value).to.equal(303);
      expect(res.headers.get("location"), value).to.equal(`/retirement/learners/${learner.userId}`);
    }
    for (const value of [pii.name, "dorothy", `${pii.email}x`]) {
      const res = await viewer.request("POST", "/retirement/lookup", { form: { identifier: value, _csrf }, headers: { accept: "text/html" } });
      expect(res.status, value).to.equal(404);
      const html = await res.text();
      expect(html).to.include("No retirement request has that exact user id, original username or original email.");
      for (const shown of [pii.username, pii.email, pii.name, "dorothy"]) expect(html, `${value} shows ${shown}`).to.not.include(shown);
    }
    const page = await (await viewer.get(`/retirement/learners/${learner.userId}`)).text();
    for (const shown of [pii.username, pii.email, pii.name]) expect(page).to.not.include(shown);
  });

  it("unknown learners and ids that are not numbers are 404; bad list parameters are 400 with the field's message", async () => {
    expect((await admin.get("/retirement/learners/999999")).status).to.equal(404);
    expect((await admin.get("/retirement/learners/abc")).status).to.equal(404);
    const bad = await admin.get("/retirement/learners?after=-3&modified_from=03/12/2026");
    expect(bad.status).to.equal(400);
    const html = await bad.text();
    expect(html).to.include("&quot;-3&quot; is not a positive whole number.");
    expect(html).to.include("&quot;03/12/2026&quot; is not a date: use YYYY-MM-DD");
  });

  it("searches by user id or retired username only, and filters by state and date", async () => {
    const pii = { username: "katherine_j", email: "katherine.johnson@nasa.example", name: "Katherine Johnson" };
    const learner = await seed.learner(UP_TO("LOCKING_COMPLETE"), { pii });
    const rows = async (query: string) => {
      const html = await (await admin.get(`/retirement/learners${query}`)).text();
      return [...html.matchAll(/<a href="\/retirement\/learners\/(\d+)">/g)].map((m) => Number(m[1]));
    };
    expect(await rows(`?q=${learner.userId}`)).to.deep.equal([learner.userId]);
    expect(await rows(`?q=${learner.retiredUsername}`)).to.deep.equal([learner.userId]);
    for (const original of [pii.username, pii.email, pii.name]) expect(await rows(`?q=${encodeURIComponent(original)}`), original).to.deep.equal([]);
    expect(await rows(`?q=${learner.userId}&state=PENDING`)).to.deep.equal([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await rows(`?q=${learner.userId}&state=LOCKING_COMPLETE&modified_from=${today}&modified_to=${today}`)).to.deep.equal([learner.userId]);
    expect(await rows(`?q=${learner.userId}&created_from=${today}`)).to.deep.equal([]); // requested 9 days ago
  });

  it("an admin cancels a PENDING request (confirmed): email restored, rows deleted, message after redirect; other states refuse; the overview counts learners waiting for the partner report", async () => {
    const pending = await seed.learner(["PENDING"]);
    await h.ds.query("INSERT INTO user_api_userretirementrequest (created, modified, user_id) VALUES (UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), ?)", [pending.userId]);
    const page = await (await admin.get(`/retirement/learners/${pending.userId}`)).text();
    expect(page).to.include("Cancel retirement request");
    const _csrf = await admin.formToken(`/retirement/learners/${pending.userId}`);
    const unconfirmed = await admin.request("POST", `/retirement/learners/${pending.userId}/cancel`, { form: { _csrf }, headers: { accept: "text/html" } });
    expect(unconfirmed.status).to.equal(200);
    expect(await unconfirmed.text()).to.include(`Cancel user ${pending.userId}&#39;s retirement request?`);
    expect((await seed.row(pending.userId)).state).to.equal("PENDING");

    const res = await admin.request("POST", `/retirement/learners/${pending.userId}/cancel`, { form: { post: "yes", _csrf } });
    expect(res.status).to.equal(303);
    const location = res.headers.get("location")!;
    expect(location).to.match(/^\/retirement\/learners\?result=[0-9a-f]{32}$/);
    expect(await h.ds.query("SELECT id FROM user_api_userretirementstatus WHERE user_id = ?", [pending.userId])).to.deep.equal([]);
    expect(await h.ds.query("SELECT id FROM user_api_userretirementrequest WHERE user_id = ?", [pending.userId])).to.deep.equal([]);
    const [user] = await h.ds.query("SELECT email, password FROM auth_user WHERE id = ?", [pending.userId]);
    expect(user.email).to.equal(pending.pii[1]);
    expect(user.password).to.match(/^pbkdf2_sha256\$/);
    const list = await (await admin.get(location)).text();
    expect(list).to.include(`Retirement request of user ${pending.userId} cancelled`);

    const locked = await seed.learner(UP_TO("LOCKING_COMPLETE"));
    const before = await seed.row(locked.userId);
    expect(await (await admin.get(`/retirement/learners/${locked.userId}`)).text()).to.not.include("Cancel retirement request");
    const _csrf3 = await admin.formToken(`/retirement/learners/${locked.userId}`);
    const refused = await admin.request("POST", `/retirement/learners/${locked.userId}/cancel`, { form: { post: "yes", _csrf: _csrf3 }, headers: { accept: "text/html" } });
    expect(refused.status).to.equal(409);
    expect(await refused.text()).to.include("can only be cancelled for users in the PENDING state; the learner is in LOCKING_COMPLETE");
    expect(await seed.row(locked.userId)).to.deep.equal(before);
    const _csrf4 = await viewer.formToken(`/retirement/learners/${locked.userId}`);
    expect((await viewer.request("POST", `/retirement/learners/${locked.userId}/cancel`, { form: { post: "yes", _csrf: _csrf4 }, headers: { accept: "text/html" } })).status, "read-only staff").to.equal(403);

    await h.ds.query(
      `INSERT INTO user_api_userretirementpartnerreportingstatus (created, modified, original_username, original_email, original_name, is_being_processed, user_id)
       VALUES (UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'u1', 'e1@example.org', 'n1', 0, ?), (UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'u2', 'e2@example.org', 'n2', 1, ?)`,
      [locked.userId, pending.userId],
    );
    expect(await (await admin.get("/retirement")).text()).to.match(/<strong>1<\/strong> learner\(s\) wait to be reported to partners/);
  });
});
