import fs from "node:fs";
import path from "node:path";
import { Queue } from "bullmq";
import { expect } from "chai";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { PurgeReferencesToPdfCertificatesCommandConfiguration } from "../../src/entities/lms";
import { QueueName, jobIds } from "../../src/queues/registry";
import { FailedTaskStore } from "../../src/services/certificate-generation/failed-task-store";
import { insertCertificate, insertCourse, insertLearner } from "../certificate-generation/generation-fixtures";
import { launchChromium, submit } from "./browser-helpers";
import { DJANGO_VECTOR, seedUser, startConsole, type RunningConsole } from "../console/console-fixtures";
import { makeFailedJob } from "../console/console-helpers";
import { RetirementSeed, UP_TO } from "../console/retirement-seed";
import { runCliInProcess } from "../support/cli";
import { insertPdfCertificate } from "../support/fixtures";
import { Harness } from "../support/harness";
import { services } from "../support/services";

const IMG = path.resolve(__dirname, "../../docs/img");
/** When the seeded generation tasks failed: reapplying must not change what the page says. */
const FAILED_AT = new Date("2026-11-30T07:57:19.000Z");

/**
 * The console as an operator walks it (issue 23's acceptance): sign in, the home page, every area through the
 * navigation and back; every action's confirmation (cancel changes nothing, confirm changes it, reloading the result
 * changes nothing); the purge dry run saying what the CLI says; the look-up by original email leaving no trace; the
 * failure time kept on reapply. Each step asserts on the page and on the database or the queues.
 */
describe("operator journeys through the console (headless Chromium)", function () {
  this.timeout(240000);
  let h: Harness;
  let con: RunningConsole;
  let browser: Browser;
  let seed: RetirementSeed;
  let generation: Queue;
  let retirementQueue: Queue;
  let adminId: number;
  const contexts: BrowserContext[] = [];
  const logs: string[] = [];
  const lookupPii = { username: "mary_jackson_1921", email: "Mary.Jackson@Langley.example", name: "Mary Winston Jackson" };
  let lookupLearner: number;
  let course: string;
  let generationLearners: number[];

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return context.newPage();
  }

  async function signIn(page: Page, username = "admin", password = DJANGO_VECTOR.password): Promise<void> {
    await page.goto(`${con.url}/`);
    expect(new URL(page.url()).pathname).to.equal("/login");
    await page.fill("#id_username", username);
    await page.fill("#id_password", password);
    await Promise.all([page.waitForURL((u) => u.pathname !== "/login"), page.click("main button[type=submit]")]);
  }


  before(async () => {
    h = await Harness.create({ bucket: true });
    adminId = await seedUser(h.ds, { username: "admin", encoded: DJANGO_VECTOR.encoded, isSuperuser: true });
    await seedUser(h.ds, { username: "viewer", password: "viewer-pw" });
    seed = await RetirementSeed.create(h.ds);
    await seed.learner([...UP_TO("RETIRING_LMS"), "ERRORED"], { note: "retire_lms failed: Deadlock found" });
    await seed.learner(UP_TO("LOCKING_COMPLETE"), { modifiedDaysAgo: 1 }); // unchanged a day mid-pipeline: stuck
    lookupLearner = (await seed.learner([...UP_TO("LMS_COMPLETE"), "COMPLETE"], { pii: lookupPii })).userId;
    course = await insertCourse(h.ds);
    generationLearners = [await insertLearner(h.ds, course), await insertLearner(h.ds, course)];
    const store = new FailedTaskStore(h.ds);
    for (const userId of generationLearners) {
      const taskId = jobIds.generateCertificate(userId, course);
      await store.record({ queue: QueueName.CertificateGeneration, taskName: "generate-certificate", taskId, data: { userId, courseKey: course }, error: new Error(`made to fail for user ${userId}`), attemptsMade: 3 }, FAILED_AT);
    }
    await makeFailedJob(h.prefix, QueueName.CertificatePurge, "purge-pdf-certificate", { certificateId: 999999 }, "purge-pdf-certificate.999999");
    con = await startConsole(h, {}, { logs });
    generation = new Queue(QueueName.CertificateGeneration, { connection: { url: services.redisUrl }, prefix: h.prefix });
    retirementQueue = new Queue(QueueName.LearnerRetirement, { connection: { url: services.redisUrl }, prefix: h.prefix });
    browser = await launchChromium();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await generation?.close();
    await retirementQueue?.close();
    await con?.close();
    await h?.close();
  });

  it("sign in lands on the home page; every area is reached through the navigation and back, bull-board included", async () => {
    const page = await newPage();
    await signIn(page);
    expect(new URL(page.url()).pathname).to.equal("/");
    expect(await page.locator("h1").innerText()).to.equal("Operations console");
    // Queues: counts, failures, workers (none connected here).
    expect(await page.locator("#queue-certificate-purge td").allInnerTexts()).to.deep.equal(["certificate-purge", "0", "0", "0", "1", "0", "none"]);
    // Retirement at a glance, as the database has it: ERRORED, stuck (mid-pipeline, unchanged for an hour), the oldest
    // unfinished request (every seeded request is 9 days old) against the 30 days.
    const count = async (sql: string) => Number((await h.ds.query(sql))[0].n);
    const states = "FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id";
    const errored = await count(`SELECT COUNT(*) AS n ${states} WHERE r.state_name = 'ERRORED'`);
    const stuck = await count(`SELECT COUNT(*) AS n ${states} WHERE (r.state_name LIKE 'RETIRING\\_%' OR r.state_name LIKE '%\\_COMPLETE') AND s.modified < UTC_TIMESTAMP(6) - INTERVAL 1 HOUR`);
    const failedTasks = await count("SELECT COUNT(*) AS n FROM openedx_workers_failed_task WHERE datetime_resolved IS NULL");
    expect([errored, stuck]).to.not.include(0);
    expect(await page.locator("#home-errored").innerText()).to.equal(`${errored} ERRORED`);
    expect(await page.locator("#home-stuck").innerText()).to.equal(`${stuck} stuck`);
    expect((await page.locator("#home-oldest").innerText()).replace(/\s+/g, " ")).to.match(/^9 days oldest unfinished request \(user \d+, (ERRORED|LOCKING_COMPLETE)\): 21 day\(s\) left of 30$/);
    expect(await page.locator("#home-failed-tasks").innerText()).to.include(`${failedTasks} failed generation task(s)`);
    fs.mkdirSync(IMG, { recursive: true });
    await page.screenshot({ path: path.join(IMG, "console-home.png"), fullPage: true });

    const areas: Array<[string, string, string]> = [
      ["Retirement", "/retirement", "Retirement funnel"],
      ["Command configuration", "/commands/generation", "Command configuration"],
      ["Date overrides", "/certificates/date-overrides", "Certificate date overrides"],
      ["Failed tasks", "/generation/failed-tasks", "Failed generation tasks"],
      ["Home", "/", "Operations console"],
    ];
    for (const [label, pathname, heading] of areas) {
      await submit(page, `header nav a:text-is("${label}")`);
      expect(new URL(page.url()).pathname, label).to.equal(pathname);
      expect(await page.locator("main h1").first().innerText(), label).to.equal(heading);
      expect(await page.locator(`header nav a[aria-current=page]`).innerText(), label).to.equal(label);
      await page.goBack();
      expect(new URL(page.url()).pathname, `back from ${label}`).to.equal("/");
    }
    // bull-board, and back to the console through its menu.
    await submit(page, 'header nav a:text-is("Queues")');
    expect(new URL(page.url()).pathname).to.equal("/queues");
    await page.getByText("certificate-purge", { exact: true }).first().waitFor();
    await page.locator('ul[class^="actions-"] > li').last().locator("button").click();
    await Promise.all([page.waitForURL((u) => u.pathname === "/"), page.getByText("Console home").click()]);
    expect(await page.locator("h1").innerText()).to.equal("Operations console");
  });

  interface ActionCase {
    name: string;
    /** The page holding the action's form. */
    from: () => string;
    /** Fills the form and submits it (the confirmation page follows). */
    start: (page: Page) => Promise<void>;
    /** What the action changes, read from the database and the queues. */
    state: () => Promise<unknown>;
    title: string | RegExp;
    result: string;
    /** Where the result is shown. */
    resultPath: string | RegExp;
    screenshot?: string;
    warning?: string;
  }

  it("every action asks first: cancel changes nothing, confirm changes it, reloading the result changes nothing", async () => {
    const page = await newPage();
    await signIn(page);
    const complete = await seed.learner([...UP_TO("LMS_COMPLETE"), "COMPLETE"]);
    const errored = await seed.learner([...UP_TO("RETIRING_ENROLLMENTS"), "ERRORED"]);
    const pending = await seed.learner(["PENDING"]);
    const certificate = await insertCertificate(h.ds, generationLearners[0], course, { status: "downloadable" });
    const [task] = await h.ds.query("SELECT id FROM openedx_workers_failed_task WHERE task_id = ?", [jobIds.generateCertificate(generationLearners[0], course)]);
    const overrideRows = () => h.ds.query("SELECT history_type, history_user_id, reason FROM certificates_historicalcertificatedateoverride WHERE generated_certificate_id = ? ORDER BY history_id", [certificate]);
    const jobState = async (queue: Queue, id: string) => queue.getJobState(id);
    const failedRows = () => h.ds.query("SELECT id, modified, datetime_resolved FROM openedx_workers_failed_task ORDER BY id");
    const learnerPath = (id: number) => `/retirement/learners/${id}`;

    const cases: ActionCase[] = [
      {
        name: "a forced move out of COMPLETE",
        from: () => learnerPath(complete.userId),
        start: async (p) => {
          await p.selectOption("#id_state", "ERRORED");
          await p.check("input[name=force]");
          await p.fill("#id_reason", "ticket OPS-7: data found after completion");
          await submit(p, "form[action$='/state'] button[type=submit]");
        },
        state: () => seed.row(complete.userId),
        title: `Move user ${complete.userId} from COMPLETE to ERRORED?`,
        warning: "The learner is COMPLETE: their retirement is finished and their data already erased",
        result: `Moved user ${complete.userId} from COMPLETE to ERRORED.`,
        resultPath: learnerPath(complete.userId),
        screenshot: "console-confirmation.png",
      },
      {
        name: "rewind errored, enqueued",
        from: () => learnerPath(errored.userId),
        start: async (p) => {
          await p.fill("#id_rewind_reason", "enrollment service back");
          await submit(p, "form[action$='/rewind'] button[type=submit]");
        },
        state: async () => [await seed.row(errored.userId), await jobState(retirementQueue, jobIds.retireLearner(errored.userId))],
        title: `Rewind user ${errored.userId} from ERRORED to EMAIL_LISTS_COMPLETE?`,
        result: `Rewound user ${errored.userId} from ERRORED to EMAIL_LISTS_COMPLETE (it failed in RETIRING_ENROLLMENTS) and enqueued`,
        resultPath: learnerPath(errored.userId),
      },
      {
        name: "cancel a PENDING request",
        from: () => learnerPath(pending.userId),
        start: (p) => submit(p, "#cancel-retirement button[type=submit]"),
        state: () => h.ds.query("SELECT COUNT(*) AS n FROM user_api_userretirementstatus WHERE user_id = ?", [pending.userId]),
        title: `Cancel user ${pending.userId}'s retirement request?`,
        result: `Retirement request of user ${pending.userId} cancelled`,
        resultPath: "/retirement/learners",
      },
      {
        name: "save a command configuration row",
        from: () => "/commands/generation",
        start: async (p) => {
          await p.fill("#id_arguments", `-c ${course} -u ${generationLearners.join(" ")}`);
          await p.check("#id_enabled");
          await submit(p, "#add-row button[type=submit]");
        },
        state: () => h.ds.query("SELECT enabled, arguments, changed_by_id FROM certificates_certificategenerationcommandconfiguration ORDER BY id"),
        title: "Save a new CertificateGenerationCommandConfiguration row?",
        result: "it is now the configuration in force",
        resultPath: "/commands/generation",
      },
      {
        name: "run now",
        from: () => "/commands/generation",
        start: (p) => submit(p, "#run-now"),
        state: () => jobState(generation, jobIds.generateCertificates(course, [...generationLearners].sort((a, b) => a - b))),
        title: "Run generate-certificates --args-from-database now?",
        result: "generate-certificates --args-from-database ran",
        resultPath: "/commands/generation",
      },
      {
        name: "set a date override",
        from: () => `/certificates/${certificate}/date-override`,
        start: async (p) => {
          await p.fill("#id_date", "2025-06-30");
          await p.fill("#id_reason", "printed late");
          await submit(p, "#set-override button[type=submit]");
        },
        state: overrideRows,
        title: `Show 2025-06-30 on certificate ${certificate}?`,
        result: "Override set.",
        resultPath: `/certificates/${certificate}/date-override`,
      },
      {
        name: "clear the date override",
        from: () => `/certificates/${certificate}/date-override`,
        start: (p) => submit(p, "#clear-override button[type=submit]"),
        state: overrideRows,
        title: `Clear the date override of certificate ${certificate}?`,
        result: "Override cleared.",
        resultPath: `/certificates/${certificate}/date-override`,
      },
      {
        name: "reapply one failed task",
        from: () => "/generation/failed-tasks",
        start: (p) => submit(p, `#failed-task-${task.id} button[type=submit]`),
        state: async () => [await failedRows(), await jobState(generation, jobIds.generateCertificate(generationLearners[0], course))],
        title: `Reapply failed task ${task.id}?`,
        result: "1 failed generation job(s) re-enqueued",
        resultPath: "/generation/failed-tasks",
      },
      {
        name: "reapply all",
        from: () => "/generation/failed-tasks",
        start: (p) => submit(p, "#reapply-all button[type=submit]"),
        state: async () => [await failedRows(), await jobState(generation, jobIds.generateCertificate(generationLearners[1], course))],
        title: /^Reapply \d+ failed generation task\(s\)\?$/,
        result: "failed generation job(s) re-enqueued; their rows are resolved",
        resultPath: "/generation/failed-tasks",
      },
    ];

    for (const c of cases) {
      const before = await c.state();
      await page.goto(con.url + c.from());
      await c.start(page);
      expect(await page.locator("main h1").innerText(), c.name).to.match(typeof c.title === "string" ? new RegExp(`^${c.title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) : c.title);
      if (c.warning) expect(await page.locator(".warning").first().innerText(), c.name).to.include(c.warning);
      if (c.screenshot) await page.screenshot({ path: path.join(IMG, c.screenshot) });
      expect(await c.state(), `${c.name}: nothing written before the confirmation`).to.deep.equal(before);
      await submit(page, "#cancel");
      expect(new URL(page.url()).pathname, `${c.name}: cancel goes back`).to.equal(c.from());
      expect(await c.state(), `${c.name}: cancel changes nothing`).to.deep.equal(before);

      await c.start(page);
      await submit(page, "#confirm");
      const landed = new URL(page.url());
      expect(landed.pathname, c.name).to.equal(c.resultPath);
      expect(landed.searchParams.get("result"), c.name).to.match(/^[0-9a-f]{32}$/);
      expect(await page.locator("#result").innerText(), c.name).to.include(c.result);
      const after = await c.state();
      expect(after, `${c.name}: confirm changes it`).to.not.deep.equal(before);
      await page.reload();
      expect(await page.locator("#result").innerText(), `${c.name}: the result after a reload`).to.include(c.result);
      expect(await c.state(), `${c.name}: a reload changes nothing`).to.deep.equal(after);
    }
    // The rewind's job link opens the job in bull-board, its id as enqueued.
    expect(await retirementQueue.getJobState(jobIds.retireLearner(errored.userId))).to.equal("waiting");
    expect((await seed.row(complete.userId)).responses).to.include(`Set (forced) by admin (auth_user ${adminId})`);
  });

  it("the purge's Run now dry run refuses a hostile link with the CLI's own lines; Run now is off, saying why, with no row in force", async () => {
    const good = await insertPdfCertificate(h.ds, h.bucket!.name);
    const hostile = await insertPdfCertificate(h.ds, h.bucket!.name, { downloadUrl: "https://attacker.example.com/downloads/x/Certificate.pdf" });
    await h.bucket!.put(good.keys);
    const page = await newPage();
    await signIn(page);
    await page.goto(`${con.url}/commands/purge`);
    expect(await page.locator("#run-now").isDisabled()).to.equal(true);
    expect(await page.locator("#run-disabled").innerText()).to.include("No row yet: purge-pdf-certificates --args-from-database has nothing to run");

    await h.ds.getRepository(PurgeReferencesToPdfCertificatesCommandConfiguration).insert({
      enabled: true,
      arguments: `--certificate_ids ${good.certificate.id} ${hostile.certificate.id} --dry-run`,
      changeDate: new Date(),
      changedById: adminId,
    });
    const cli = await runCliInProcess(["purge-pdf-certificates", "--args-from-database"], h.env());
    expect(cli.code, "the CLI's dry run exits 1 on a refusal").to.equal(1);

    await page.reload();
    expect(await page.locator("#run-now").innerText()).to.equal("Run now (dry run)");
    await submit(page, "#run-now");
    expect(await page.locator("#consequences").innerText()).to.include("It is a dry run");
    await submit(page, "#confirm");
    const lines = await page.locator("#run-output > div.out").allInnerTexts();
    expect(lines).to.deep.equal(cli.out.split("\n").filter(Boolean));
    expect(lines.join("\n")).to.include(`[DRY RUN] certificate ${hostile.certificate.id}: refusing to purge: download_url is not under any`);
    expect(lines.join("\n")).to.include(`[DRY RUN] certificate ${good.certificate.id}: would delete ${good.keys.join(" ")}`);
    expect(await page.locator("#result").innerText()).to.include("1 certificate(s) would be refused");
    // A dry run: nothing enqueued, nothing deleted.
    const purge = new Queue(QueueName.CertificatePurge, { connection: { url: services.redisUrl }, prefix: h.prefix });
    try {
      expect(await purge.getJobState(jobIds.purgePdfCertificate(good.certificate.id))).to.equal("unknown");
    } finally {
      await purge.close();
    }
    expect(await h.bucket!.keys()).to.deep.equal([...good.keys].sort());
  });

  it("a read-only user finds a learner by original email; the value is in no page, URL or log line", async () => {
    const page = await newPage();
    const seen: string[] = [];
    page.on("request", (r) => seen.push(r.url()));
    await signIn(page, "viewer", "viewer-pw");
    await page.goto(`${con.url}/retirement/learners`);
    await page.fill("#id_identifier", lookupPii.email.toLowerCase());
    await submit(page, "#lookup button[type=submit]");
    expect(new URL(page.url()).pathname).to.equal(`/retirement/learners/${lookupLearner}`);
    const html = (await page.content()).toLowerCase();
    for (const value of Object.values(lookupPii)) expect(html, value).to.not.include(value.toLowerCase());
    expect(html).to.include(`user ${lookupLearner}`);
    // A miss says so without repeating what was typed.
    await page.goto(`${con.url}/retirement/learners`);
    await page.fill("#id_identifier", "nobody.here@langley.example");
    await submit(page, "#lookup button[type=submit]");
    expect(await page.locator("#lookup-error").innerText()).to.equal("No retirement request has that exact user id, original username or original email.");
    expect((await page.content()).toLowerCase()).to.not.include("nobody.here");
    expect(await page.inputValue("#id_identifier")).to.equal("");
    for (const url of seen) expect(url.toLowerCase(), url).to.not.match(/jackson|nobody\.here/);
    for (const line of logs) expect(line.toLowerCase(), line).to.not.match(/jackson|nobody\.here/);
  });

  it("reapplying keeps the failure time; job ids show decoded and link to bull-board", async () => {
    const userId = await insertLearner(h.ds, course);
    const taskId = jobIds.generateCertificate(userId, course);
    await new FailedTaskStore(h.ds).record({ queue: QueueName.CertificateGeneration, taskName: "generate-certificate", taskId, data: { userId, courseKey: course }, error: new Error("made to fail"), attemptsMade: 3 }, FAILED_AT);
    const [row] = await h.ds.query("SELECT id FROM openedx_workers_failed_task WHERE task_id = ? AND datetime_resolved IS NULL", [taskId]);
    const page = await newPage();
    await signIn(page);
    await page.goto(`${con.url}/generation/failed-tasks`);
    const rowLocator = page.locator(`#failed-task-${row.id}`);
    expect(await rowLocator.locator(".failed-at").innerText()).to.equal("2026-11-30 07:57:19 UTC");
    expect(await rowLocator.locator("td:nth-child(4) code").innerText()).to.equal(`generate-certificate.${userId}.${course}`);
    expect(await rowLocator.locator("td:nth-child(4) a").getAttribute("href")).to.equal(`/queues/queue/certificate-generation/${encodeURIComponent(taskId)}`);
    await submit(page, `#failed-task-${row.id} button[type=submit]`);
    await submit(page, "#confirm");
    expect(await page.locator("#result a code").allInnerTexts()).to.include(`generate-certificate.${userId}.${course}`);
    await page.goto(`${con.url}/generation/failed-tasks?show=all`);
    expect(await page.locator(`#failed-task-${row.id} .failed-at`).innerText()).to.equal("2026-11-30 07:57:19 UTC");
    const [after] = await h.ds.query("SELECT modified, datetime_resolved FROM openedx_workers_failed_task WHERE id = ?", [row.id]);
    expect(after.modified.toISOString()).to.equal(FAILED_AT.toISOString());
    expect(after.datetime_resolved).to.not.equal(null);
  });

  it("a read-only user's form gets an HTML 403 page with the navigation; API clients get JSON; the favicon is served", async () => {
    const page = await newPage();
    await signIn(page, "viewer", "viewer-pw");
    const [learner] = await h.ds.query("SELECT user_id FROM user_api_userretirementstatus ORDER BY id LIMIT 1");
    const before = await seed.row(learner.user_id);
    await page.goto(`${con.url}/retirement/learners/${learner.user_id}`);
    // A form as a stale page (or a hand-made one) would post it, with the page's valid CSRF token.
    const response = await Promise.all([
      page.waitForNavigation(),
      page.evaluate(`(() => {
        const form = document.createElement("form");
        form.method = "post";
        form.action = "/retirement/learners/${learner.user_id}/state";
        for (const [k, v] of [["_csrf", document.querySelector("input[name=_csrf]").value], ["state", "COMPLETE"], ["force", "1"], ["reason", "viewer"], ["post", "yes"]]) {
          const input = document.createElement("input"); input.type = "hidden"; input.name = k; input.value = v; form.appendChild(input);
        }
        document.body.appendChild(form);
        form.submit();
      })()`),
    ]).then(([r]) => r);
    expect(response?.status()).to.equal(403);
    expect(response?.headers()["content-type"]).to.match(/^text\/html/);
    expect(await page.locator("main h1").innerText()).to.equal("Not allowed");
    expect(await page.locator(".error").innerText()).to.include("Your account is read-only");
    expect(await page.locator("header nav a").count()).to.be.greaterThan(4);
    expect(await seed.row(learner.user_id)).to.deep.equal(before);

    const api = await page.request.post(`${con.url}/retirement/learners/${learner.user_id}/state`, { headers: { accept: "application/json" }, form: { state: "COMPLETE" } });
    expect(api.status()).to.equal(403);
    expect(await api.json()).to.have.property("error");
    const missing = await page.goto(`${con.url}/no/such/page`);
    expect(missing?.status()).to.equal(404);
    expect(await page.locator("main h1").innerText()).to.equal("Not found");
    const favicon = await page.request.get(`${con.url}/favicon.ico`);
    expect(favicon.status()).to.equal(200);
    expect(favicon.headers()["content-type"]).to.equal("image/x-icon");
  });

  it("the date overrides list: newest change first, by user id and course run, set by a staff username", async () => {
    const page = await newPage();
    await signIn(page);
    const other = await insertCourse(h.ds);
    const userA = await insertLearner(h.ds, other);
    const certA = await insertCertificate(h.ds, userA, other, { status: "downloadable" });
    const certB = await insertCertificate(h.ds, generationLearners[1], course, { status: "downloadable" });
    for (const [cert, days] of [[certA, 3], [certB, 1]] as const) {
      await h.ds.query(
        "INSERT INTO certificates_certificatedateoverride (created, modified, date, reason, generated_certificate_id, overridden_by_id) VALUES (UTC_TIMESTAMP(6) - INTERVAL ? DAY, UTC_TIMESTAMP(6) - INTERVAL ? DAY, '2025-01-01', 'seeded', ?, ?)",
        [days, days, cert, adminId],
      );
    }
    await page.goto(`${con.url}/certificates/date-overrides`);
    const ids = await page.locator("#overrides tbody tr td:first-child").allInnerTexts();
    expect(ids.map(Number).indexOf(certB)).to.be.lessThan(ids.map(Number).indexOf(certA));
    expect(await page.locator("#overrides tbody tr").first().innerText()).to.include(`admin (user ${adminId})`);
    await page.fill("#id_user_id", String(userA));
    await submit(page, "#filter-overrides button[type=submit]");
    expect((await page.locator("#overrides tbody tr td:first-child").allInnerTexts()).map(Number)).to.deep.equal([certA]);
    await page.fill("#id_user_id", "");
    await page.fill("#id_course_key", course);
    await submit(page, "#filter-overrides button[type=submit]");
    expect((await page.locator("#overrides tbody tr td:first-child").allInnerTexts()).map(Number)).to.deep.equal([certB]);
    await submit(page, `#overrides a:text-is("${certB}")`);
    expect(new URL(page.url()).pathname).to.equal(`/certificates/${certB}/date-override`);
  });
});
