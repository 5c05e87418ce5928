import fs from "node:fs";
import path from "node:path";
import { Queue, Worker } from "bullmq";
import { expect } from "chai";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { WorkerHost } from "../../src/workers/worker-host";
import { DJANGO_VECTOR, seedUser, startConsole, type RunningConsole } from "../console/console-fixtures";
import { makeFailedJob } from "../console/console-helpers";
import { insertPdfCertificate } from "../support/fixtures";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { startTlsProxy, type TlsProxy } from "../support/tls-proxy";

/** Debian's chromium (scripts/services.sh --with-chromium installs it); never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT = path.resolve(__dirname, "../../docs/img/console.png");
const SIGN_IN_REFUSED = "Please enter the correct username and password for a staff account";

async function waitFor(check: () => Promise<boolean>, what: string, ms = 20000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe("console in a real browser (headless Chromium)", function () {
  this.timeout(120000);
  let h: Harness;
  let con: RunningConsole;
  let browser: Browser;
  let host: WorkerHost;
  let purge: Queue;
  const contexts: BrowserContext[] = [];
  let certificateId: number;
  let failedJobId: string;
  let adminId: number;

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    contexts.push(context);
    return context.newPage();
  }

  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto(`${con.url}/queues`);
    expect(new URL(page.url()).pathname).to.equal("/login");
    await page.fill("#id_username", username);
    await page.fill("#id_password", password);
    await Promise.all([page.waitForLoadState("load"), page.click("button[type=submit]")]);
  }

  /** The text of a queue's card on bull-board's overview. */
  async function cardText(page: Page, queue: string): Promise<string> {
    const card = page.locator("div").filter({ has: page.getByText(queue, { exact: true }) }).filter({ hasText: /Jobs?$/ }).last();
    return (await card.innerText()).replace(/\s+/g, " ");
  }

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/services.sh --with-chromium (installs Debian's chromium)`);
    h = await Harness.create({ bucket: true });
    adminId = await seedUser(h.ds, { username: "admin", encoded: DJANGO_VECTOR.encoded, isSuperuser: true });
    await seedUser(h.ds, { username: "viewer", password: "viewer-pw" });
    await seedUser(h.ds, { username: "learner", password: "learner-pw", isStaff: false });
    await seedUser(h.ds, { username: "gone", password: "gone-pw", isActive: false });

    // Known counts: certificate-purge 1 failed; certificate-generation 2 completed; learner-retirement 1 delayed.
    const connection = { url: services.redisUrl };
    // The failed purge is of a real PDF certificate, so its retry does real work: the row's links get blanked.
    certificateId = (await insertPdfCertificate(h.ds, h.bucket!.name)).certificate.id;
    failedJobId = await makeFailedJob(h.prefix, "certificate-purge", "purge-pdf-certificate", { certificateId }, `purge-pdf-certificate.${certificateId}`);
    const generation = new Queue("certificate-generation", { connection, prefix: h.prefix });
    const done = new Worker("certificate-generation", async () => ({ status: "done" }), { connection: { ...connection, maxRetriesPerRequest: null }, prefix: h.prefix });
    for (const id of [1, 2]) await generation.add("generate-certificate", { userId: id, courseKey: "course-v1:Demo+Console+2026" }, { jobId: `generate-certificate.${id}.demo` });
    await waitFor(async () => (await generation.getCompletedCount()) === 2, "2 completed generation jobs");
    await done.close();
    await generation.close();
    const retirement = new Queue("learner-retirement", { connection, prefix: h.prefix });
    await retirement.add("retire-learner", { userId: 5 }, { jobId: "retire-learner.5", delay: 3_600_000 });
    await retirement.close();
    purge = new Queue("certificate-purge", { connection, prefix: h.prefix });

    con = await startConsole(h);
    // A real worker of the purge queue: a retried job runs through the service's own processor.
    host = new WorkerHost(await h.context(), { queues: ["certificate-purge" as never], concurrency: 2 });
    host.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await host?.close(2000);
    await purge?.close();
    await con?.close();
    await h?.close();
  });

  it("an admin signs in with a real Django PBKDF2 hash and sees the three queues with their counts", async () => {
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    expect(new URL(page.url()).pathname).to.equal("/queues");
    await page.getByText("learner-retirement", { exact: true }).first().waitFor();
    await page.waitForFunction(() => document.body.innerText.includes("FAILED"));
    expect(await cardText(page, "certificate-purge")).to.match(/FAILED 1 .*\b1 Job$/);
    expect(await cardText(page, "certificate-generation")).to.match(/\b2 Jobs$/);
    expect(await cardText(page, "learner-retirement")).to.match(/\b1 Job$/);
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    // Each queue's page: the count beside its state tab.
    for (const [queue, state, n] of [["certificate-purge", "FAILED", 1], ["certificate-generation", "COMPLETED", 2], ["learner-retirement", "DELAYED", 1]] as const) {
      await page.goto(`${con.url}/queues/queue/${queue}`);
      await page.waitForFunction(([s, count]) => new RegExp(`\\b${s}\\s+${count}\\b`).test(document.body.innerText), [state, n] as const);
    }
  });

  it("an admin opens the failed job, retries it, and sees it complete (a worker runs)", async () => {
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    await page.goto(`${con.url}/queues/queue/certificate-purge?status=failed`);
    await page.getByText(failedJobId).waitFor();
    await page.getByText("made to fail by the test").first().waitFor();
    const retry = page.locator("button:has(svg.lucide-refresh-cw)").filter({ hasNotText: /Retry all/ }).first();
    await retry.click();
    await page.getByText("Are you sure that you want to retry this job?").waitFor();
    await page.getByRole("button", { name: "Confirm" }).click();
    await waitFor(async () => (await purge.getJobState(failedJobId)) === "completed", "the retried job to complete");
    const [row] = await h.ds.query("SELECT download_url, download_uuid FROM certificates_generatedcertificate WHERE id = ?", [certificateId]);
    expect(row).to.deep.equal({ download_url: "", download_uuid: "" });
    await page.goto(`${con.url}/queues/queue/certificate-purge?status=completed`);
    await page.getByText(failedJobId).waitFor();
  });

  it("an admin's delete in bull-board is on the admins' Queue actions page; read-only staff have no link to it", async () => {
    const jobId = await makeFailedJob(h.prefix, "certificate-purge", "purge-pdf-certificate", { certificateId: 80 }, "purge-pdf-certificate.80");
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    await page.goto(`${con.url}/queues/queue/certificate-purge/${jobId}`);
    await page.getByText(jobId, { exact: true }).first().waitFor();
    await page.locator("button:has(svg.lucide-trash)").first().click();
    await page.getByText("Are you sure that you want to clean this job?").waitFor();
    await page.getByRole("button", { name: "Confirm" }).click();
    await waitFor(async () => (await purge.getJob(jobId)) === undefined, "the job to be removed");
    await page.goto(`${con.url}/`);
    await Promise.all([page.waitForLoadState("load"), page.click('header nav a:text-is("Queue actions")')]);
    const row = page.locator("#queue-actions tbody tr").first();
    const cells = await row.locator("td").allInnerTexts();
    expect(cells.slice(1)).to.deep.equal([`admin (user ${adminId})`, "certificate-purge", "remove job deletes", jobId]);
    expect(await row.getAttribute("class")).to.equal("destructive");
    await page.screenshot({ path: path.resolve(__dirname, "../../docs/img/console-queue-actions.png") });

    const viewer = await newPage();
    await signIn(viewer, "viewer", "viewer-pw");
    expect(await viewer.locator('header nav a:text-is("Queue actions")').count()).to.equal(0);
    await viewer.goto(`${con.url}/queue-actions`);
    await viewer.getByRole("heading", { name: "Not allowed" }).waitFor();
    expect(await viewer.locator("#queue-actions").count()).to.equal(0);
  });

  it("a read-only staff user sees the same pages without actions, and the server refuses their direct requests", async () => {
    await makeFailedJob(h.prefix, "certificate-purge", "purge-pdf-certificate", { certificateId: 78 }, "purge-pdf-certificate.78");
    const page = await newPage();
    await signIn(page, "viewer", "viewer-pw");
    expect(new URL(page.url()).pathname).to.equal("/queues");
    await page.goto(`${con.url}/queues/queue/certificate-purge?status=failed`);
    await page.getByText("purge-pdf-certificate.78").waitFor();
    expect(await page.getByText("Retry all").count()).to.equal(0);
    expect(await page.locator("button:has(svg.lucide-refresh-cw), button:has(svg.lucide-trash)").count()).to.equal(0);

    // A string, not a function: tsx's compiled helpers (__name) do not exist in the page.
    const statuses = await page.evaluate(`(async () => {
      const token = decodeURIComponent((/(?:^|; )XSRF-TOKEN=([^;]+)/.exec(document.cookie) || [])[1] || "");
      const paths = ["purge-pdf-certificate.78/retry", "clean/failed", "pause"];
      const out = [];
      for (const p of paths) {
        const r = await fetch("/queues/api/queues/certificate-purge/" + p, { method: "PUT", headers: { "X-XSRF-TOKEN": token, accept: "application/json" } });
        out.push(r.status);
      }
      return out;
    })()`);
    expect(statuses).to.deep.equal([403, 403, 403]);
    expect(await purge.getJobState("purge-pdf-certificate.78")).to.equal("failed");
    expect(await purge.isPaused()).to.equal(false);
  });

  it("non-staff, inactive and unknown users and a wrong password cannot sign in", async () => {
    for (const [username, password] of [["admin", "not-the-password"], ["learner", "learner-pw"], ["gone", "gone-pw"], ["nobody", "whatever"]]) {
      const page = await newPage();
      await signIn(page, username, password);
      expect(new URL(page.url()).pathname, username).to.equal("/login");
      expect(await page.locator(".error").innerText(), username).to.include(SIGN_IN_REFUSED);
      await page.goto(`${con.url}/queues`);
      expect(new URL(page.url()).pathname, username).to.equal("/login");
    }
  });

  it("anonymous requests to pages are sent to /login and API calls get 401", async () => {
    const page = await newPage();
    await page.goto(`${con.url}/queues/queue/certificate-purge?status=failed`);
    expect(new URL(page.url()).pathname).to.equal("/login");
    expect(new URL(page.url()).searchParams.get("next")).to.equal("/queues/queue/certificate-purge?status=failed");
    const api = await page.request.get(`${con.url}/queues/api/queues`, { headers: { accept: "application/json" } });
    expect(api.status()).to.equal(401);
    const put = await page.request.put(`${con.url}/queues/api/queues/certificate-purge/pause`);
    expect(put.status()).to.equal(401);
  });

  it("a change without the CSRF token is refused, even from a signed-in admin's page", async () => {
    await makeFailedJob(h.prefix, "certificate-purge", "purge-pdf-certificate", { certificateId: 79 }, "purge-pdf-certificate.79");
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    const status = await page.evaluate(() => fetch("/queues/api/queues/certificate-purge/purge-pdf-certificate.79/retry", { method: "PUT" }).then((r) => r.status));
    expect(status).to.equal(403);
    expect(await purge.getJobState("purge-pdf-certificate.79")).to.equal("failed");
    const logout = await page.evaluate(() => fetch("/logout", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" }).then((r) => r.status));
    expect(logout).to.equal(403);
    await page.goto(`${con.url}/queues`);
    expect(new URL(page.url()).pathname).to.equal("/queues");
    // Signing out through the page's own form ends the session.
    await page.goto(`${con.url}/logout`);
    await Promise.all([page.waitForLoadState("load"), page.click("button[type=submit]")]);
    expect(new URL(page.url()).pathname).to.equal("/login");
    await page.goto(`${con.url}/queues`);
    expect(new URL(page.url()).pathname).to.equal("/login");
  });
});

describe("console sign-in, navigation and sign-out in a real browser, directly and behind a TLS-terminating proxy", function () {
  this.timeout(120000);
  let h: Harness;
  const consoles: RunningConsole[] = [];
  const proxies: TlsProxy[] = [];
  const browsers: Browser[] = [];

  before(async () => {
    h = await Harness.create();
    await seedUser(h.ds, { username: "admin", password: "admin-pw", isSuperuser: true });
  });
  after(async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    for (const p of proxies) await p.close();
    for (const c of consoles) await c.close();
    await h?.close();
  });

  /** Chromium trusting the proxy's self-made certificate by its key (no CA install, no --ignore-certificate-errors). */
  async function browserFor(proxy?: TlsProxy): Promise<Browser> {
    const args = ["--no-sandbox", "--disable-dev-shm-usage", ...(proxy ? [`--ignore-certificate-errors-spki-list=${proxy.spkiHash}`] : [])];
    const b = await chromium.launch({ executablePath: CHROMIUM, args });
    browsers.push(b);
    return b;
  }

  /** Sign in from the home page's redirect, walk the navigation bar, sign out with the header's button. */
  async function journey(page: Page, base: string): Promise<void> {
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).to.equal("/login");
    await page.fill("#id_username", "admin");
    await page.fill("#id_password", "admin-pw");
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(new URL(page.url()).pathname).to.equal("/");
    expect(page.url().startsWith(base)).to.equal(true);
    await page.getByRole("heading", { name: "Operations console" }).waitFor();
    for (const [label, path] of [["Retirement", "/retirement"], ["Failed tasks", "/generation/failed-tasks"], ["Queue actions", "/queue-actions"], ["Home", "/"]]) {
      await Promise.all([page.waitForNavigation(), page.click(`header nav a:text-is("${label}")`)]);
      expect(new URL(page.url()).pathname, label).to.equal(path);
      expect(await page.locator("header nav a[aria-current=page]").innerText(), label).to.equal(label);
    }
    // bull-board's own page, and back.
    await Promise.all([page.waitForNavigation(), page.click('header nav a:text-is("Queues")')]);
    await page.getByText("certificate-purge", { exact: true }).first().waitFor();
    await page.goto(`${base}/`);
    await Promise.all([page.waitForNavigation(), page.click("header form.who button[type=submit]")]);
    expect(new URL(page.url()).pathname).to.equal("/login");
    await page.goto(`${base}/retirement`);
    expect(new URL(page.url()).pathname).to.equal("/login");
  }

  it("over plain HTTP (the default, cookies not Secure)", async () => {
    const con = await startConsole(h);
    consoles.push(con);
    const context = await (await browserFor()).newContext();
    await journey(await context.newPage(), con.url);
  });

  it("behind a TLS-terminating proxy with CONSOLE_COOKIE_SECURE=true and the proxy in CONSOLE_TRUSTED_PROXIES", async () => {
    const con = await startConsole(h, { CONSOLE_COOKIE_SECURE: "true", CONSOLE_TRUSTED_PROXIES: "127.0.0.1", QUEUE_PREFIX: `${h.prefix}-tls` });
    consoles.push(con);
    const proxy = await startTlsProxy(con.url);
    proxies.push(proxy);
    const context = await (await browserFor(proxy)).newContext();
    const page = await context.newPage();
    // Signed in mid-journey: the browser holds Secure session and CSRF cookies, which it sends over HTTPS only.
    await page.goto(`${proxy.url}/login`);
    await page.fill("#id_username", "admin");
    await page.fill("#id_password", "admin-pw");
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    const cookies = await context.cookies(proxy.url);
    expect(cookies.filter((c) => c.name.startsWith("owconsole")).map((c) => [c.name, c.secure]).sort()).to.deep.equal([["owconsole", true], ["owconsole_csrf", true]]);
    await Promise.all([page.waitForNavigation(), page.click("header form.who button[type=submit]")]);
    await journey(page, proxy.url);
    expect(proxy.forwarded.length).to.be.greaterThan(10);
  });

  it("behind the same proxy when CONSOLE_TRUSTED_PROXIES does not list it: the sign-in page says what to fix", async () => {
    const con = await startConsole(h, { CONSOLE_COOKIE_SECURE: "true", CONSOLE_TRUSTED_PROXIES: "10.9.9.9", QUEUE_PREFIX: `${h.prefix}-untrusted` });
    consoles.push(con);
    const proxy = await startTlsProxy(con.url);
    proxies.push(proxy);
    const page = await (await (await browserFor(proxy)).newContext()).newPage();
    await page.goto(`${proxy.url}/`);
    expect(new URL(page.url()).pathname).to.equal("/login");
    await page.getByRole("heading", { name: "Sign-in needs HTTPS" }).waitFor();
    expect(await page.locator("main").innerText()).to.include("CONSOLE_TRUSTED_PROXIES");
  });
});
