import { Queue } from "bullmq";
import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { QueueName, jobIds } from "../../src/queues/registry";
import { FailedTaskStore } from "../../src/services/certificate-generation/failed-task-store";
import { certificateRow, insertCertificate, insertCourse, insertLearner } from "../certificate-generation/generation-fixtures";
import { launchChromium, submit, submitAndConfirm } from "./browser-helpers";
import { DJANGO_VECTOR, seedUser, startConsole, type RunningConsole } from "../console/console-fixtures";
import { insertPdfCertificate } from "../support/fixtures";
import { Harness } from "../support/harness";
import { services } from "../support/services";
import { waitFor } from "../support/wait";

const GENERATION_TABLE = "certificates_certificategenerationcommandconfiguration";

describe("admin pages: command configuration, date overrides, failed tasks (headless Chromium)", function () {
  this.timeout(120000);
  let h: Harness;
  let con: RunningConsole;
  let browser: Browser;
  let generation: Queue;
  let adminId: number;
  const contexts: BrowserContext[] = [];
  /** Every learner's username, email and name seeded here: no page may show any of them. */
  const learnerPii: string[] = [];
  const visited = new Set<string>();

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on("load", () => visited.add(new URL(page.url()).pathname + new URL(page.url()).search));
    return page;
  }

  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto(`${con.url}/login`);
    await page.fill("#id_username", username);
    await page.fill("#id_password", password);
    await Promise.all([page.waitForURL((u) => u.pathname !== "/login"), page.click("button[type=submit]")]);
  }



  /** A learner enrolled, passing and with a profile name; their PII is remembered for the page scans. */
  async function learner(course: string): Promise<number> {
    const id = await insertLearner(h.ds, course);
    const [u] = await h.ds.query("SELECT u.username, u.email, u.first_name, u.last_name, p.name FROM auth_user u JOIN auth_userprofile p ON p.user_id = u.id WHERE u.id = ?", [id]);
    learnerPii.push(u.username, u.email, u.first_name, u.last_name, u.name);
    return id;
  }

  const count = async (sql: string, params: unknown[] = []) => Number((await h.ds.query(sql, params))[0].n);
  const overrideHistory = (certId: number) =>
    h.ds.query("SELECT history_type, history_user_id, overridden_by_id, reason, date FROM certificates_historicalcertificatedateoverride WHERE generated_certificate_id = ? ORDER BY history_id", [certId]);

  before(async () => {
    h = await Harness.create({ bucket: true });
    adminId = await seedUser(h.ds, { username: "admin", encoded: DJANGO_VECTOR.encoded, isSuperuser: true });
    await seedUser(h.ds, { username: "viewer", password: "viewer-pw" });
    con = await startConsole(h);
    generation = new Queue(QueueName.CertificateGeneration, { connection: { url: services.redisUrl }, prefix: h.prefix });
    browser = await launchChromium();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await generation?.close();
    await con?.close();
    await h?.close();
  });

  it("an admin adds a generation configuration row (invalid arguments refused) and runs it; a worker generates the certificates", async () => {
    const course = await insertCourse(h.ds);
    const [a, b] = [await learner(course), await learner(course)];
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    await page.goto(`${con.url}/commands/generation`);
    expect(await page.locator("#current").innerText()).to.include("No row yet");
    expect(await page.locator("#run-now").isDisabled(), "Run now is off with no row in force").to.equal(true);
    expect(await page.locator("#run-disabled").innerText()).to.include("No row yet: generate-certificates --args-from-database has nothing to run");

    // Arguments the command's own parser refuses: the message sits next to the field, nothing is saved.
    for (const [args, message] of [
      [`-c course-v1:nope -u ${a}`, "You must specify a valid course-key"],
      [`-c ${course} -u ${a} --bogus`, "unknown option '--bogus'"],
      [`-c ${course}`, "You must specify a list of users"],
      [`-c ${course} -u ${a} x7`, 'invalid user id "x7"'],
    ]) {
      await page.fill("#id_arguments", args);
      await page.check("#id_enabled");
      await submit(page, "#add-row button[type=submit]");
      expect(await page.locator("#arguments-error").innerText(), args).to.include(message);
      expect(await page.inputValue("#id_arguments"), "the input is kept").to.equal(args);
    }
    expect(await count(`SELECT COUNT(*) AS n FROM ${GENERATION_TABLE}`)).to.equal(0);

    await page.fill("#id_arguments", `-c ${course} -u ${a} ${b}`);
    await page.check("#id_enabled");
    await submitAndConfirm(page, "#add-row button[type=submit]");
    await page.getByText("it is now the configuration in force").waitFor();
    const rows = await h.ds.query(`SELECT enabled, arguments, changed_by_id FROM ${GENERATION_TABLE}`);
    expect(rows).to.deep.equal([{ enabled: 1, arguments: `-c ${course} -u ${a} ${b}`, changed_by_id: adminId }]);

    await submitAndConfirm(page, "#run-now");
    expect(await page.locator("#run-output").innerText()).to.include(`Enqueued 1 certificate generation job(s) for 2 learner(s) in ${course}`);
    expect(await generation.getJobState(jobIds.generateCertificates(course, [a, b].sort((x, y) => x - y)))).to.equal("waiting");

    await h.worker({ queues: [QueueName.CertificateGeneration] });
    for (const id of [a, b]) await waitFor(`learner ${id}'s certificate`, async () => (await certificateRow(h.ds, id, course))?.status === "downloadable");
  });

  it("purge: run now enqueues the stored certificates' purge; with the newest row disabled it is refused with upstream's message", async () => {
    const { certificate } = await insertPdfCertificate(h.ds, h.bucket!.name);
    const purge = new Queue(QueueName.CertificatePurge, { connection: { url: services.redisUrl }, prefix: h.prefix });
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    await page.goto(`${con.url}/commands/purge`);
    await page.fill("#id_arguments", `--certificate_ids ${certificate.id} 99999998`);
    await page.check("#id_enabled");
    await submitAndConfirm(page, "#add-row button[type=submit]");
    await page.getByText("it is now the configuration in force").waitFor();
    await submitAndConfirm(page, "#run-now");
    const output = await page.locator("#run-output").innerText();
    expect(output).to.include(`following certificate records: [${certificate.id}]`);
    expect(output).to.include("warning: no certificate with id 99999998; skipped");
    expect(output).to.include("Enqueued 1 certificate(s) in 1 purge job(s).");
    expect(await purge.getJobState(jobIds.purgePdfCertificate(certificate.id))).to.equal("waiting");
    await purge.obliterate({ force: true });

    await page.fill("#id_arguments", "");
    await page.uncheck("#id_enabled");
    await submitAndConfirm(page, "#add-row button[type=submit]");
    await page.getByText("it is now the configuration in force").waitFor();
    expect(await page.locator("#current").innerText()).to.include("disabled");
    // Run now is off, saying why (upstream's message); a direct POST is refused the same way.
    expect(await page.locator("#run-now").isDisabled()).to.equal(true);
    expect(await page.locator("#run-disabled").innerText()).to.include("PurgeReferencestoPDFCertificatesCommandConfiguration is disabled, but --args-from-database was requested");
    const refused = await page.evaluate(`(async () => {
      const token = document.querySelector("input[name=_csrf]").value;
      const r = await fetch("/commands/purge/run", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" }, body: "post=yes&_csrf=" + encodeURIComponent(token) });
      return [r.status, await r.text()];
    })()`) as [number, string];
    expect(refused[0]).to.equal(409);
    expect(refused[1]).to.include("PurgeReferencestoPDFCertificatesCommandConfiguration is disabled, but --args-from-database was requested");
    expect(await purge.count()).to.equal(0);
    await purge.close();
  });

  it("an admin finds a certificate, sets, changes and clears its date override: history '+', '~', '-' by the signed-in user", async () => {
    const course = await insertCourse(h.ds);
    const user = await learner(course);
    const certId = await insertCertificate(h.ds, user, course, { status: "downloadable" });
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);

    // Bad lookups: an unknown id, a malformed course key, each error next to its field.
    await page.goto(`${con.url}/certificates/date-override`);
    await page.fill("#id_certificate_id", "99999999");
    await submit(page, "#find-by-id button[type=submit]");
    expect(await page.locator("#certificate_id-error").innerText()).to.equal("There is no certificate with id 99999999.");
    await page.fill("#id_user_id", String(user));
    await page.fill("#id_course_key", "course-v1:not a key");
    await submit(page, "#find-by-learner button[type=submit]");
    expect(await page.locator("#course_key-error").innerText()).to.include("Not a course run key");

    await page.fill("#id_user_id", String(user));
    await page.fill("#id_course_key", course);
    await submit(page, "#find-by-learner button[type=submit]");
    expect(new URL(page.url()).pathname).to.equal(`/certificates/${certId}/date-override`);
    expect(await page.locator("#certificate").innerText()).to.include(course);

    // A date in the wrong format, and no reason: both errors shown, nothing written.
    await page.fill("#id_date", "30/06/2025");
    await page.fill("#id_reason", "");
    await submit(page, "#set-override button[type=submit]");
    expect(await page.locator("#date-error").innerText()).to.include('"30/06/2025" is not a date in the form YYYY-MM-DD');
    expect(await page.locator("#reason-error").innerText()).to.equal("Give the reason for the override.");
    expect(await count("SELECT COUNT(*) AS n FROM certificates_certificatedateoverride WHERE generated_certificate_id = ?", [certId])).to.equal(0);

    // A stored <script> in the reason renders as text.
    const hostile = `<script>window.__owned = 1</script><img src=x onerror="window.__owned = 2">Printed late`;
    await page.fill("#id_date", "2025-06-30");
    await page.fill("#id_reason", hostile);
    await submitAndConfirm(page, "#set-override button[type=submit]");
    await page.getByText("Override set.").waitFor();
    expect(await page.evaluate("window.__owned")).to.equal(undefined);
    expect(await page.locator("blockquote.reason").innerText()).to.equal(hostile);
    expect(await page.locator("#history script, #history img, blockquote script").count()).to.equal(0);
    expect(await page.content()).to.include("&lt;script&gt;window.__owned = 1&lt;/script&gt;");

    await page.fill("#id_date", "2025-07-01");
    await page.fill("#id_reason", "Corrected");
    await submitAndConfirm(page, "#set-override button[type=submit]");
    await page.getByText("Override changed.").waitFor();
    const [row] = await h.ds.query("SELECT date, reason, overridden_by_id FROM certificates_certificatedateoverride WHERE generated_certificate_id = ?", [certId]);
    expect([row.date.toISOString(), row.reason, row.overridden_by_id]).to.deep.equal(["2025-07-01T00:00:00.000Z", "Corrected", adminId]);

    await submitAndConfirm(page, "#clear-override button[type=submit]");
    await page.getByText("Override cleared.").waitFor();
    expect(await count("SELECT COUNT(*) AS n FROM certificates_certificatedateoverride WHERE generated_certificate_id = ?", [certId])).to.equal(0);
    const history = await overrideHistory(certId);
    expect(history.map((r: Record<string, unknown>) => [r.history_type, r.history_user_id, r.overridden_by_id, r.reason])).to.deep.equal([
      ["+", adminId, adminId, hostile],
      ["~", adminId, adminId, "Corrected"],
      ["-", adminId, adminId, "Corrected"],
    ]);
    expect((await page.locator("#history tbody tr").allInnerTexts()).map((t) => t.split("\t")[1])).to.deep.equal(["+", "~", "-"]);
    expect(await page.evaluate("window.__owned")).to.equal(undefined);
  });

  it("an admin reapplies one failed generation task, then all: rows resolved, jobs enqueued", async () => {
    const course = await insertCourse(h.ds);
    const users = [await learner(course), await learner(course), await learner(course)];
    const store = new FailedTaskStore(h.ds);
    for (const userId of users) {
      await store.record({ queue: QueueName.CertificateGeneration, taskName: "generate-certificate", taskId: jobIds.generateCertificate(userId, course), data: { userId, courseKey: course }, error: new Error(`made to fail for user ${userId}`), attemptsMade: 3 });
    }
    const [first] = await h.ds.query("SELECT id FROM openedx_workers_failed_task WHERE task_id = ?", [jobIds.generateCertificate(users[0], course)]);
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    await page.goto(`${con.url}/generation/failed-tasks`);
    expect(await page.locator(`#failed-task-${first.id}`).innerText()).to.include(`Error: made to fail for user ${users[0]}`);

    await submitAndConfirm(page, `#failed-task-${first.id} button[type=submit]`);
    expect(await page.locator("#result").innerText()).to.include("1 failed generation job(s) re-enqueued");
    const resolved = async () => (await h.ds.query("SELECT task_id, datetime_resolved FROM openedx_workers_failed_task WHERE task_id IN (?) ORDER BY id", [users.map((u) => jobIds.generateCertificate(u, course))])).map((r: { datetime_resolved: Date | null }) => r.datetime_resolved !== null);
    expect(await resolved()).to.deep.equal([true, false, false]);
    expect(await generation.getJobState(jobIds.generateCertificate(users[0], course))).to.not.equal("unknown");

    await submitAndConfirm(page, "#reapply-all button[type=submit]");
    expect(await page.locator("#result").innerText()).to.include("2 failed generation job(s) re-enqueued");
    expect(await resolved()).to.deep.equal([true, true, true]);
    for (const u of users) expect(await generation.getJobState(jobIds.generateCertificate(u, course)), `user ${u}`).to.not.equal("unknown");

    // Reapplying a row that is no longer unresolved says so and enqueues nothing more.
    const status = await page.evaluate(`(async () => {
      const token = document.querySelector("input[name=_csrf]").value;
      const r = await fetch("/generation/failed-tasks/${first.id}/reapply", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" }, body: "post=yes&_csrf=" + encodeURIComponent(token) });
      return r.status;
    })()`);
    expect(status).to.equal(409);
  });

  it("a read-only user sees every page without actions; the server refuses their direct POSTs and nothing changes", async () => {
    const course = await insertCourse(h.ds);
    const user = await learner(course);
    const certId = await insertCertificate(h.ds, user, course, { status: "downloadable" });
    const store = new FailedTaskStore(h.ds);
    const taskId = jobIds.generateCertificate(user, course);
    await store.record({ queue: QueueName.CertificateGeneration, taskName: "generate-certificate", taskId, data: { userId: user, courseKey: course }, error: new Error("made to fail"), attemptsMade: 1 });
    const [task] = await h.ds.query("SELECT id FROM openedx_workers_failed_task WHERE task_id = ?", [taskId]);
    const configRows = await count(`SELECT COUNT(*) AS n FROM ${GENERATION_TABLE}`);

    const page = await newPage();
    await signIn(page, "viewer", "viewer-pw");
    for (const path of ["/commands/generation", "/commands/purge", `/certificates/${certId}/date-override`, "/generation/failed-tasks"]) {
      const response = await page.goto(`${con.url}${path}`);
      expect(response?.status(), path).to.equal(200);
      expect(await page.getByText("Your account is read-only").count(), path).to.equal(1);
      expect(await page.locator("main form[method=post]").count(), path).to.equal(0);
    }
    await page.goto(`${con.url}/generation/failed-tasks`);
    expect(await page.locator(`#failed-task-${task.id}`).count()).to.equal(1);

    const posts: Array<[string, string]> = [
      ["/commands/generation", `enabled=on&arguments=${encodeURIComponent(`-c ${course} -u ${user}`)}`],
      ["/commands/generation/run", ""],
      [`/certificates/${certId}/date-override`, "date=2025-06-30&reason=nope&overridden_by=1"],
      [`/certificates/${certId}/date-override/clear`, ""],
      [`/generation/failed-tasks/${task.id}/reapply`, ""],
      ["/generation/failed-tasks/reapply", ""],
    ];
    // A valid session and CSRF token (the layout's sign-out form carries one): only the role is missing.
    const statuses = await page.evaluate(`(async () => {
      const token = document.querySelector("input[name=_csrf]").value;
      const out = [];
      for (const [path, body] of ${JSON.stringify(posts)}) {
        const r = await fetch(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" }, body: body + (body ? "&" : "") + "_csrf=" + encodeURIComponent(token) });
        out.push(r.status);
      }
      return out;
    })()`);
    expect(statuses).to.deep.equal(posts.map(() => 403));
    expect(await count(`SELECT COUNT(*) AS n FROM ${GENERATION_TABLE}`)).to.equal(configRows);
    expect(await count("SELECT COUNT(*) AS n FROM certificates_certificatedateoverride WHERE generated_certificate_id = ?", [certId])).to.equal(0);
    expect(await count("SELECT COUNT(*) AS n FROM certificates_historicalcertificatedateoverride WHERE generated_certificate_id = ?", [certId])).to.equal(0);
    expect(await count("SELECT COUNT(*) AS n FROM openedx_workers_failed_task WHERE id = ? AND datetime_resolved IS NULL", [task.id])).to.equal(1);
    expect(await generation.getJobState(taskId)).to.equal("unknown");
  });

  it("an admin's direct POSTs with bad input are refused with the reason and write nothing", async () => {
    const course = await insertCourse(h.ds);
    const user = await learner(course);
    const certId = await insertCertificate(h.ds, user, course, { status: "downloadable" });
    const configRows = await count(`SELECT COUNT(*) AS n FROM ${GENERATION_TABLE}`);
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    await page.goto(`${con.url}/generation/failed-tasks`);
    const results = (await page.evaluate(`(async () => {
      const token = document.querySelector("input[name=_csrf]").value;
      const out = [];
      for (const [path, body] of ${JSON.stringify([
        ["/certificates/99999999/date-override", "date=2025-06-30&reason=x"],
        [`/certificates/${certId}/date-override`, "date=2025-02-30&reason=x"],
        [`/certificates/${certId}/date-override`, "date=2025-06-30&reason=%20%20"],
        ["/commands/generation", `enabled=on&arguments=${encodeURIComponent("-u 1 -c course-v1:bad")}`],
        ["/commands/nothing", "enabled=on&arguments=x"],
      ])}) {
        const r = await fetch(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" }, body: body + "&_csrf=" + encodeURIComponent(token) });
        const html = await r.text();
        const error = new DOMParser().parseFromString(html, "text/html").querySelector(".error");
        out.push([r.status, error ? error.textContent.trim() : ""]);
      }
      return out;
    })()`)) as Array<[number, string]>;
    expect(results).to.deep.equal([
      [404, "There is no certificate with id 99999999."],
      [400, '"2025-02-30" is not a date in the form YYYY-MM-DD (for example 2025-06-30).'],
      [400, "Give the reason for the override."],
      [400, "generate-certificates would refuse these arguments: You must specify a valid course-key"],
      [404, "There is no such command configuration: use generation or purge."],
    ]);
    expect(await count(`SELECT COUNT(*) AS n FROM ${GENERATION_TABLE}`)).to.equal(configRows);
    expect(await count("SELECT COUNT(*) AS n FROM certificates_historicalcertificatedateoverride WHERE generated_certificate_id = ?", [certId])).to.equal(0);
  });

  it("no page visited shows a learner's username, email or name", async () => {
    expect(learnerPii.length).to.be.greaterThan(0);
    const page = await newPage();
    await signIn(page, "admin", DJANGO_VECTOR.password);
    const paths = [...visited, "/commands/generation", "/commands/purge", "/generation/failed-tasks?show=all", "/certificates/date-override"];
    for (const path of new Set(paths)) {
      if (path.startsWith("/login")) continue;
      await page.goto(`${con.url}${path}`);
      const html = await page.content();
      for (const pii of learnerPii) expect(html, `${path} shows ${pii}`).to.not.include(pii);
    }
  });
});
