import fs from "node:fs";
import path from "node:path";
import { Queue } from "bullmq";
import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { DEFAULT_RETIREMENT_STATES, USERS_BEING_PROCESSED_MESSAGE } from "../../src/domain/retirement/retirement-states";
import { launchChromium, submit, submitAndConfirm } from "./browser-helpers";
import { DJANGO_VECTOR, seedUser, startConsole, type RunningConsole } from "../console/console-fixtures";
import { RetirementSeed, UP_TO } from "../console/retirement-seed";
import { Harness } from "../support/harness";
import { services } from "../support/services";

const IMG = path.resolve(__dirname, "../../docs/img");

describe("retirement pages in a real browser (headless Chromium)", function () {
  this.timeout(180000);
  let h: Harness;
  let con: RunningConsole;
  let browser: Browser;
  let seed: RetirementSeed;
  const contexts: BrowserContext[] = [];
  let adminId: number;

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return context.newPage();
  }

  async function signIn(page: Page, username: string, password: string, url = con.url): Promise<void> {
    await page.goto(`${url}/retirement`);
    expect(new URL(page.url()).pathname).to.equal("/login");
    await page.fill("#id_username", username);
    await page.fill("#id_password", password);
    await Promise.all([page.waitForURL(`${url}/retirement`), page.click("button[type=submit]")]);
  }



  /** POSTs a form from inside the signed-in page, with the page's own CSRF token (as a forged or scripted request would). */
  async function postForm(page: Page, url: string, form: Record<string, string>): Promise<number> {
    return page.evaluate(
      `(async () => {
        const token = document.querySelector('input[name="_csrf"]').value;
        const body = new URLSearchParams(Object.assign({ _csrf: token }, ${JSON.stringify(form)}));
        const r = await fetch(${JSON.stringify(url)}, { method: "POST", body, headers: { accept: "text/html" }, redirect: "manual" });
        return r.status;
      })()`,
    );
  }

  before(async () => {
    h = await Harness.create();
    adminId = await seedUser(h.ds, { username: "admin", encoded: DJANGO_VECTOR.encoded, isSuperuser: true });
    await seedUser(h.ds, { username: "viewer", password: "viewer-pw" });
    seed = await RetirementSeed.create(h.ds);
    con = await startConsole(h);
    browser = await launchChromium();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await con?.close();
    await h?.close();
  });

  it("the funnel shows learners per state in pipeline order with ERRORED/ABORTED apart, and completions per day", async () => {
    const fresh = await Harness.create();
    try {
      await seedUser(fresh.ds, { username: "admin", encoded: DJANGO_VECTOR.encoded, isSuperuser: true });
      const s = await RetirementSeed.create(fresh.ds);
      const plan: Array<[string, number]> = [["PENDING", 7], ["LOCKING_COMPLETE", 4], ["EMAIL_LISTS_COMPLETE", 3], ["RETIRING_ENROLLMENTS", 2], ["LMS_COMPLETE", 1]];
      for (const [state, n] of plan) for (let i = 0; i < n; i++) await s.learner(UP_TO(state));
      for (let i = 0; i < 2; i++) await s.learner([...UP_TO("RETIRING_LMS"), "ERRORED"]);
      await s.learner(["PENDING", "ABORTED"]);
      const completedDaysAgo = [0, 0, 1, 1, 1, 2, 4, 4, 5, 7, 8, 8, 8, 8, 12, 15, 15, 20, 26, 29, 40];
      for (const d of completedDaysAgo) await s.learner([...UP_TO("LMS_COMPLETE"), "COMPLETE"], { modifiedDaysAgo: d });
      const c = await startConsole(fresh);
      try {
        const page = await newPage();
        await signIn(page, "admin", DJANGO_VECTOR.password, c.url);
        const bars = await page.$$eval("svg.funnel rect.bar", (rects) => rects.map((r) => r.querySelector("title")!.textContent));
        expect(bars).to.deep.equal([
          ...DEFAULT_RETIREMENT_STATES.filter((x) => x !== "ERRORED" && x !== "ABORTED").map((x) => `${x}: ${x === "COMPLETE" ? 21 : (plan.find(([st]) => st === x)?.[1] ?? 0)}`),
          "ERRORED: 2",
          "ABORTED: 1",
        ]);
        const days = await page.$$eval("svg.columns rect.bar", (rects) => rects.map((r) => r.querySelector("title")!.textContent!));
        expect(days).to.have.length(30);
        const today = new Date().toISOString().slice(0, 10);
        expect(days.at(-1)).to.equal(`${today}: 2`);
        expect(days.map((d) => Number(d.split(": ")[1])).reduce((a, b) => a + b, 0)).to.equal(20); // the one 40 days ago is out
        fs.mkdirSync(IMG, { recursive: true });
        await page.screenshot({ path: path.join(IMG, "console-retirement-funnel.png"), fullPage: true });
        // A bar leads to the list filtered on its state.
        await Promise.all([page.waitForNavigation(), page.locator("svg.funnel a", { hasText: "LOCKING_COMPLETE" }).click()]);
        expect(await page.locator("table.rows tbody tr").count()).to.equal(4);
      } finally {
        await c.close();
      }
    } finally {
      await fresh.close();
    }
  });

  it("an admin sets a learner's state (forward; backward only with force), with who and why written to responses", async () => {
    const learner = await seed.learner(UP_TO("ENROLLMENTS_COMPLETE"));
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    await page.goto(`${con.url}/retirement/learners/${learner.userId}`);
    await page.selectOption("#id_state", "LMS_COMPLETE");
    await page.fill("#id_reason", "LMS step done by hand (ticket OPS-12)");
    await submitAndConfirm(page, "form[action$='/state'] button[type=submit]");
    expect(await page.locator("#result").innerText()).to.include(`Moved user ${learner.userId} from ENROLLMENTS_COMPLETE to LMS_COMPLETE.`);
    let row = await seed.row(learner.userId);
    expect(row.state).to.equal("LMS_COMPLETE");
    expect(row.responses).to.match(/Moved from ENROLLMENTS_COMPLETE \(step 81\) to LMS_COMPLETE \(step 121\):\nSet by admin \(auth_user \d+\) in the openedx-workers console at \S+Z\. Reason: LMS step done by hand \(ticket OPS-12\)\n$/);
    expect(row.responses).to.include(`(auth_user ${adminId})`);

    // Backward without force: refused next to the field, nothing written.
    await page.selectOption("#id_state", "LOCKING_COMPLETE");
    await page.fill("#id_reason", "go back");
    await submit(page, "form[action$='/state'] button[type=submit]");
    expect(await page.locator("#state-error").innerText()).to.include("is not after the current state LMS_COMPLETE (step 121)");
    expect(await seed.row(learner.userId)).to.deep.equal(row);

    await page.selectOption("#id_state", "LOCKING_COMPLETE");
    await page.check("input[name=force]");
    await page.fill("#id_reason", "redo everything after LOCKING");
    await submit(page, "form[action$='/state'] button[type=submit]");
    expect(await page.locator(".warning").first().innerText()).to.include("Forced: LOCKING_COMPLETE is not after LMS_COMPLETE");
    await submit(page, "#confirm");
    row = await seed.row(learner.userId);
    expect(row.state).to.equal("LOCKING_COMPLETE");
    expect(row.responses).to.include("Set (forced) by admin");
    // The timeline shows the moves, newest last.
    const moves = await page.locator("ol.timeline li .move").allInnerTexts();
    expect(moves.slice(-2)).to.deep.equal(["ENROLLMENTS_COMPLETE (step 81) → LMS_COMPLETE (step 121)", "LMS_COMPLETE (step 121) → LOCKING_COMPLETE (step 21)"]);
  });

  it("an admin rewinds an ERRORED learner: back to the step before the failure, enqueued, timeline screenshot", async () => {
    const learner = await seed.learner([...UP_TO("RETIRING_LMS"), "ERRORED"], { note: "retire_lms failed: Deadlock found when trying to get lock" });
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    await page.goto(`${con.url}/retirement/learners/${learner.userId}`);
    await page.fill("#id_rewind_reason", "deadlock was transient; retrying");
    await submit(page, "form[action$='/rewind'] button[type=submit]");
    expect(await page.locator("#consequences").innerText()).to.include("failed in RETIRING_LMS; the learner goes back to ENROLLMENTS_COMPLETE");
    await submit(page, "#confirm");
    expect(await page.locator("#result").innerText()).to.include(`Rewound user ${learner.userId} from ERRORED to ENROLLMENTS_COMPLETE (it failed in RETIRING_LMS) and enqueued`);
    expect(await page.locator("#result a code").innerText()).to.equal(`retire-learner.${learner.userId}`);
    const row = await seed.row(learner.userId);
    expect(row.state).to.equal("ENROLLMENTS_COMPLETE");
    expect(row.responses).to.match(/Moved from ERRORED \(step 131\) to ENROLLMENTS_COMPLETE \(step 81\):\nRewound by admin \(auth_user \d+\) in the openedx-workers console at \S+\. Reason: deadlock was transient; retrying \(failed in RETIRING_LMS\)\n$/);
    const queue = new Queue("learner-retirement", { connection: { url: services.redisUrl }, prefix: h.prefix });
    try {
      const job = await queue.getJob(`retire-learner.${learner.userId}`);
      expect(job?.data).to.deep.equal({ userId: learner.userId });
    } finally {
      await queue.close();
    }
    // No rewind form once the learner is no longer ERRORED.
    expect(await page.locator("form[action$='/rewind']").count()).to.equal(0);
    await page.screenshot({ path: path.join(IMG, "console-learner-timeline.png"), fullPage: true });
  });

  it("an admin cancels a PENDING request: a confirmation page first, then the list says so after the redirect", async () => {
    const learner = await seed.learner(["PENDING"]);
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    await page.goto(`${con.url}/retirement/learners/${learner.userId}`);
    await submit(page, "form[action$='/cancel'] button[type=submit]");
    expect(await page.locator("h1").innerText()).to.equal(`Cancel user ${learner.userId}'s retirement request?`);
    expect((await seed.row(learner.userId)).state).to.equal("PENDING");
    await page.screenshot({ path: path.join(IMG, "console-cancel-retirement.png"), fullPage: true });
    await submit(page, "#confirm");
    expect(new URL(page.url()).pathname).to.equal("/retirement/learners");
    expect(await page.locator("#result").innerText()).to.include(`Retirement request of user ${learner.userId} cancelled`);
    expect(await h.ds.query("SELECT id FROM user_api_userretirementstatus WHERE user_id = ?", [learner.userId])).to.deep.equal([]);
    await page.goto(`${con.url}/retirement`);
    expect(await page.locator("text=wait to be reported to partners").count()).to.equal(1);
  });

  it("a read-only user sees every page, without forms, and the server refuses their POSTs (403), changing nothing", async () => {
    const errored = await seed.learner([...UP_TO("RETIRING_LMS"), "ERRORED"]);
    const before = await seed.row(errored.userId);
    const tableBefore = await h.ds.query("SELECT * FROM user_api_retirementstate ORDER BY id");
    const page = await newPage();
    await signIn(page, "viewer", "viewer-pw");
    for (const p of ["/retirement", "/retirement/learners", `/retirement/learners/${errored.userId}`, "/retirement/states"]) {
      const res = await page.goto(con.url + p);
      expect(res?.status(), p).to.equal(200);
    }
    await page.goto(`${con.url}/retirement/learners/${errored.userId}`);
    expect(await page.locator("form[action*='/retirement/']").count()).to.equal(0);
    expect(await page.getByText("Your account is read-only").count()).to.equal(1);
    const statuses = [
      await postForm(page, `/retirement/learners/${errored.userId}/state`, { state: "COMPLETE", force: "1", reason: "viewer tries" }),
      await postForm(page, `/retirement/learners/${errored.userId}/rewind`, { rewind_reason: "viewer tries", enqueue: "1" }),
      await postForm(page, "/retirement/states/populate", {}),
    ];
    expect(statuses).to.deep.equal([403, 403, 403]);
    expect(await seed.row(errored.userId)).to.deep.equal(before);
    expect(await h.ds.query("SELECT * FROM user_api_retirementstate ORDER BY id")).to.deep.equal(tableBefore);
    const queue = new Queue("learner-retirement", { connection: { url: services.redisUrl }, prefix: h.prefix });
    try {
      expect(await queue.getJob(`retire-learner.${errored.userId}`)).to.equal(undefined);
    } finally {
      await queue.close();
    }
  });

  it("bad input shows a specific error next to the field and writes nothing", async () => {
    const learner = await seed.learner(UP_TO("LOCKING_COMPLETE"));
    const pending = await seed.learner(["PENDING"]);
    const before = await seed.row(learner.userId);
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);

    let res = await page.goto(`${con.url}/retirement/learners?state=RETIRING_EVERYTHING`);
    expect(res?.status()).to.equal(400);
    expect(await page.locator("#state-error").innerText()).to.equal('Unknown state "RETIRING_EVERYTHING": choose one of the list.');
    res = await page.goto(`${con.url}/retirement/learners?created_from=2026-02-30&modified_to=yesterday`);
    expect(res?.status()).to.equal(400);
    expect(await page.locator("#created_from-error").innerText()).to.include('"2026-02-30" is not a date: use YYYY-MM-DD');
    expect(await page.locator("#modified_to-error").innerText()).to.include('"yesterday" is not a date');
    res = await page.goto(`${con.url}/retirement/learners?created_from=2026-12-03&created_to=2026-12-01`);
    expect(await page.locator("#created_to-error").innerText()).to.equal("The end (2026-12-01) is before the start (2026-12-03).");

    // The forms: an unknown state (a tampered <select>), a missing reason, a rewind of a learner that is not ERRORED.
    await page.goto(`${con.url}/retirement/learners/${learner.userId}`);
    await page.evaluate(`document.querySelector("#id_state").add(new Option("BOGUS", "BOGUS"))`);
    await page.selectOption("#id_state", "BOGUS");
    await page.fill("#id_reason", "tampered");
    await submit(page, "form[action$='/state'] button[type=submit]");
    expect(await page.locator("#state-error").innerText()).to.equal('Unknown state "BOGUS": choose one of the list.');
    await page.selectOption("#id_state", "COMPLETE");
    await page.fill("#id_reason", "");
    await submit(page, "form[action$='/state'] button[type=submit]");
    expect(await page.locator("#reason-error").innerText()).to.equal("A reason is required.");
    expect(await page.locator("#id_state").inputValue()).to.equal("COMPLETE"); // what was typed is kept
    expect(await postForm(page, `/retirement/learners/${learner.userId}/rewind`, { rewind_reason: "not errored" })).to.equal(409);
    expect(await postForm(page, `/retirement/learners/${pending.userId}/state`, { state: "ABORTED", reason: "x".repeat(1001) })).to.equal(400);
    expect(await seed.row(learner.userId)).to.deep.equal(before);
    expect((await seed.row(pending.userId)).state).to.equal("PENDING");
  });

  it("a <script> stored in a reason renders inert (escaped in the HTML, never run)", async () => {
    const learner = await seed.learner(UP_TO("PENDING"));
    const page = await newPage();
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await signIn(page, "admin", DJANGO_VECTOR.password);
    await page.goto(`${con.url}/retirement/learners/${learner.userId}`);
    const payload = `<script>window.__pwned = 1; alert("xss")</script><img src=x onerror="window.__pwned = 2; alert('img')">`;
    await page.selectOption("#id_state", "LOCKING_ACCOUNT");
    await page.fill("#id_reason", payload);
    await submit(page, "form[action$='/state'] button[type=submit]");
    expect(await page.locator("#consequences").innerText()).to.include(payload); // the confirmation shows it as text
    await submit(page, "#confirm");
    expect((await seed.row(learner.userId)).responses).to.include(payload);
    const html = await page.content();
    expect(html).to.not.include("<script>window.__pwned");
    expect(html).to.not.include("<img src=x");
    const source = await (await page.request.get(`${con.url}/retirement/learners/${learner.userId}`)).text();
    expect(source).to.include("&lt;script&gt;window.__pwned = 1; alert(&quot;xss&quot;)&lt;/script&gt;&lt;img src=x onerror=");
    expect(await page.locator("ol.timeline pre.text").last().innerText()).to.include(payload);
    expect(await page.evaluate("window.__pwned")).to.equal(undefined);
    expect(dialogs).to.deep.equal([]);
  });

  it("never shows an original username, email or name of a learner past LOCKING_COMPLETE, on any page", async () => {
    const pii = { username: "grace_hopper_1906", email: "grace.hopper@navy.example", name: "Grace Brewster Hopper" };
    // The original email also slipped into the free text (an error body echoing it): it is blanked there too.
    const learner = await seed.learner(UP_TO("RETIRING_ENROLLMENTS"), { pii, note: `unenroll failed for ${pii.email} (${pii.username})` });
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    const pages = [
      "/retirement",
      "/retirement/learners",
      `/retirement/learners?q=${learner.userId}`,
      `/retirement/learners?q=${learner.retiredUsername}`,
      "/retirement/learners?state=RETIRING_ENROLLMENTS",
      `/retirement/learners/${learner.userId}`,
      "/retirement/states",
    ];
    for (const p of pages) {
      await page.goto(con.url + p);
      const html = (await page.content()).toLowerCase();
      for (const value of [pii.username, pii.email, pii.name, "grace", "hopper"]) expect(html, `${p} shows ${value}`).to.not.include(value.toLowerCase());
    }
    await page.goto(`${con.url}/retirement/learners?q=${learner.userId}`);
    expect(await page.locator("table.rows tbody tr").allInnerTexts()).to.have.length(1);
    expect(await page.locator("table.rows tbody").innerText()).to.include(learner.retiredUsername);
    // The learner's own page after a refused action (the error re-render) shows none either.
    await page.goto(`${con.url}/retirement/learners/${learner.userId}`);
    await page.fill("#id_reason", "");
    await page.selectOption("#id_state", "COMPLETE");
    await submit(page, "form[action$='/state'] button[type=submit]");
    expect((await page.content()).toLowerCase()).to.not.include("hopper");
    expect(await page.locator("ol.timeline").innerText()).to.include("unenroll failed for [redacted] ([redacted])");
    // Searching by an original email or username finds nothing: the list is no PII look-up.
    for (const q of [pii.email, pii.username]) {
      await page.goto(`${con.url}/retirement/learners?q=${encodeURIComponent(q)}`);
      expect(await page.locator("table.rows tbody").innerText()).to.include("No learner matches.");
    }
  });

  it("keyset paging: 50 per page, newest first, older/newer links keep the filters", async () => {
    const fresh = await Harness.create();
    try {
      await seedUser(fresh.ds, { username: "admin", encoded: DJANGO_VECTOR.encoded, isSuperuser: true });
      const s = await RetirementSeed.create(fresh.ds);
      const ids: number[] = [];
      for (let i = 0; i < 105; i++) ids.push((await s.learner(i % 3 === 0 ? ["PENDING", "ABORTED"] : ["PENDING"])).userId);
      const pendingNewestFirst = ids.filter((_, i) => i % 3 !== 0).reverse(); // 70
      const c = await startConsole(fresh);
      try {
        const page = await newPage();
        await signIn(page, "admin", DJANGO_VECTOR.password, c.url);
        const shown = async () => (await page.locator("table.rows tbody tr td:first-child").allInnerTexts()).map(Number);
        await page.goto(`${c.url}/retirement/learners?state=PENDING`);
        expect(await shown()).to.deep.equal(pendingNewestFirst.slice(0, 50));
        expect(await page.locator("a[rel=prev]").count()).to.equal(0);
        await submit(page, "a[rel=next]");
        expect(new URL(page.url()).searchParams.get("state")).to.equal("PENDING");
        expect(await shown()).to.deep.equal(pendingNewestFirst.slice(50));
        expect(await page.locator("a[rel=next]").count()).to.equal(0);
        await submit(page, "a[rel=prev]");
        expect(await shown()).to.deep.equal(pendingNewestFirst.slice(0, 50));
        expect(await page.locator("a[rel=prev]").count()).to.equal(0);
      } finally {
        await c.close();
      }
    } finally {
      await fresh.close();
    }
  });

  it("states: the table beside RETIREMENT_STATES with the diff; the admin's run is refused mid-pipeline, then applies it", async () => {
    const fresh = await Harness.create();
    try {
      await seedUser(fresh.ds, { username: "admin", encoded: DJANGO_VECTOR.encoded, isSuperuser: true });
      const s = await RetirementSeed.create(fresh.ds);
      const busy = await s.learner(UP_TO("RETIRING_EMAIL_LISTS"));
      const wanted = [...DEFAULT_RETIREMENT_STATES.slice(0, -3), "RETIRING_CREDENTIALS", "CREDENTIALS_COMPLETE", ...DEFAULT_RETIREMENT_STATES.slice(-3)];
      const c = await startConsole(fresh, { RETIREMENT_STATES: JSON.stringify(wanted) });
      try {
        const page = await newPage();
        await signIn(page, "admin", DJANGO_VECTOR.password, c.url);
        await page.goto(`${c.url}/retirement/states`);
        expect(await page.locator("pre.diff").innerText()).to.equal("Added: {'CREDENTIALS_COMPLETE', 'RETIRING_CREDENTIALS'}\nRemoved: set()\nRemaining: " + `{${[...DEFAULT_RETIREMENT_STATES].sort().map((x) => `'${x}'`).join(", ")}}`);
        expect(await page.locator("tr.change-add").count()).to.equal(2);
        expect(await page.locator("tr.change-renumber").count()).to.equal(3); // ERRORED, ABORTED, COMPLETE move down
        const tableBefore = await fresh.ds.query("SELECT * FROM user_api_retirementstate ORDER BY id");
        await submit(page, "form[action='/retirement/states/populate'] button");
        expect(await page.locator("#populate-error").innerText()).to.equal(USERS_BEING_PROCESSED_MESSAGE);
        expect(await fresh.ds.query("SELECT * FROM user_api_retirementstate ORDER BY id")).to.deep.equal(tableBefore);

        await fresh.ds.query("UPDATE user_api_userretirementstatus SET current_state_id = (SELECT id FROM user_api_retirementstate WHERE state_name = 'COMPLETE') WHERE user_id = ?", [busy.userId]);
        await page.goto(`${c.url}/retirement/states`);
        await submitAndConfirm(page, "form[action='/retirement/states/populate'] button");
        expect(await page.locator("#result").innerText()).to.include("the table now mirrors RETIREMENT_STATES");
        const names = (await fresh.ds.query("SELECT state_name FROM user_api_retirementstate ORDER BY state_execution_order")).map((r: { state_name: string }) => r.state_name);
        expect(names).to.deep.equal(wanted);
        expect(await page.locator("pre.diff").innerText()).to.equal(`Added: set()\nRemoved: set()\nRemaining: {${[...wanted].sort().map((x) => `'${x}'`).join(", ")}}`);
      } finally {
        await c.close();
      }
    } finally {
      await fresh.close();
    }
  });
});
