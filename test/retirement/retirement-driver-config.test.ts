import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config";
import { decideRetry, type RetryTimings } from "../../src/domain/retirement/http-retry-policy";
import { pythonJson } from "../../src/domain/python-json";
import { ConfigError } from "../../src/errors/config-error";
import { QueueName } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { FakeHttpService } from "../support/fake-http-service";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";
import { RETIREMENT_ENV, insertLearner, requestRetirements, responsesOf, stateOf } from "./retirement-fixtures";
import { usernameBody } from "./http-fixtures";

const DRIVER_STATES = [
  "PENDING", "RETIRING_CREDENTIALS", "CREDENTIALS_COMPLETE", "RETIRING_ECOM", "ECOM_COMPLETE", "RETIRING_LICENSE_MANAGER", "LICENSE_MANAGER_COMPLETE",
  "RETIRING_DEMOGRAPHICS", "DEMOGRAPHICS_COMPLETE", "RETIRING_FORUMS", "FORUMS_COMPLETE", "RETIRING_ENROLLMENTS", "ENROLLMENTS_COMPLETE",
  "RETIRING_LMS_MISC", "LMS_MISC_COMPLETE", "RETIRING_LMS", "LMS_COMPLETE", "RETIRING_PROCTORING", "PROCTORING_COMPLETE", "ERRORED", "ABORTED", "COMPLETE",
].join(",");

function driverYaml(urls: Record<string, string>, pipeline: string[]): string {
  return [
    "client_id: driver-client",
    "client_secret: driver-secret",
    "base_urls:",
    ...Object.entries(urls).map(([k, v]) => `    ${k}: ${v}/`),
    "retirement_pipeline:",
    ...pipeline.map((row) => `    - ${row}`),
    "s3_archive:",
    "    bucket_name: ignored-here",
    "",
  ].join("\n");
}

const UPSTREAM_PIPELINE = [
  "['RETIRING_CREDENTIALS', 'CREDENTIALS_COMPLETE', 'CREDENTIALS', 'retire_learner']",
  "['RETIRING_ECOM', 'ECOM_COMPLETE', 'ECOMMERCE', 'retire_learner']",
  "['RETIRING_LICENSE_MANAGER', 'LICENSE_MANAGER_COMPLETE', 'LICENSE_MANAGER', 'retire_learner']",
  "['RETIRING_DEMOGRAPHICS', 'DEMOGRAPHICS_COMPLETE', 'DEMOGRAPHICS', 'retire_learner']",
  "['RETIRING_FORUMS', 'FORUMS_COMPLETE', 'LMS', 'retirement_retire_forum']",
  "['RETIRING_ENROLLMENTS', 'ENROLLMENTS_COMPLETE', 'LMS', 'retirement_unenroll']",
  "['RETIRING_LMS_MISC', 'LMS_MISC_COMPLETE', 'LMS', 'retirement_lms_retire_misc']",
  "['RETIRING_LMS', 'LMS_COMPLETE', 'LMS', 'retirement_lms_retire']",
  "['RETIRING_PROCTORING', 'PROCTORING_COMPLETE', 'LMS', 'retirement_retire_proctoring_data']",
];

describe("learner retirement: upstream's driver config and the HTTP rules", function () {
  this.timeout(60000);
  let dir: string;
  let h: Harness | undefined;
  const fakes: FakeHttpService[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "owt-driver-"));
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    for (const f of fakes.splice(0)) await f.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("loads the driver's YAML and runs its pipeline: every service called exactly as upstream, explicit variables win", async () => {
    const [lms, ecommerce, credentials, licenses, demographics] = await Promise.all([1, 2, 3, 4, 5].map(() => FakeHttpService.start()));
    fakes.push(lms, ecommerce, credentials, licenses, demographics);
    const file = path.join(dir, "driver.yml");
    fs.writeFileSync(file, driverYaml({ lms: lms.url, ecommerce: ecommerce.url, credentials: credentials.url, license_manager: licenses.url, demographics: demographics.url }, UPSTREAM_PIPELINE));
    h = await Harness.create({
      env: { ...RETIREMENT_ENV, RETIREMENT_PIPELINE: "", RETIREMENT_STATES: DRIVER_STATES, RETIREMENT_DRIVER_CONFIG: file, RETIREMENT_CLIENT_SECRET: "explicit-secret" },
    });
    const learner = await insertLearner(h);
    const username = learner.pii[0];
    await requestRetirements(h, [learner.userId], {});
    lms.onToken();
    lms.on("POST /api/discussion/v1/accounts/retire_forum/", { status: 204 })
      .on("POST /api/enrollment/v1/unenroll/", { status: 200, body: ["OrgX"] })
      .on("POST /api/user/v1/accounts/retire_misc/", { status: 204 })
      .on("POST /api/user/v1/accounts/retire/", { status: 204 })
      .on(`POST /api/edx_proctoring/v1/retire_user/${learner.userId}/`, { status: 204 });
    credentials.on("POST /user/retire/", { status: 204 });
    ecommerce.on("POST /api/v2/user/retire/", { status: 200, body: { retired: true } });
    licenses.on("POST /api/v1/retire_user/", { status: 404 });
    demographics.on("POST /demographics/api/v1/retire_demographics/", { status: 404 });

    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);
    await h.worker({ queues: [QueueName.LearnerRetirement] });
    await waitFor("COMPLETE", async () => (await stateOf(h!.ds, learner.userId)) === "COMPLETE");

    const sent = (svc: FakeHttpService) => svc.requests.filter((r) => !r.url.startsWith("/oauth2")).map((r) => [r.method, r.url, r.body, r.headers.authorization, r.headers["content-type"]]);
    const jwt = (n: number) => `JWT token-${n}`;
    expect(sent(credentials)).to.deep.equal([["POST", "/user/retire/", usernameBody(username), jwt(1), "application/json"]]);
    expect(sent(ecommerce)).to.deep.equal([["POST", "/api/v2/user/retire/", usernameBody(username), jwt(2), "application/json"]]);
    expect(sent(licenses)).to.deep.equal([["POST", "/api/v1/retire_user/", `{"lms_user_id": ${learner.userId}, "original_username": "${username}"}`, jwt(3), "application/json"]]);
    expect(sent(demographics)).to.deep.equal([["POST", "/demographics/api/v1/retire_demographics/", `{"lms_user_id": ${learner.userId}}`, jwt(4), "application/json"]]);
    expect(sent(lms)).to.deep.equal([
      ["POST", "/api/discussion/v1/accounts/retire_forum/", usernameBody(username), jwt(5), "application/json"],
      ["POST", "/api/enrollment/v1/unenroll/", usernameBody(username), jwt(5), "application/json"],
      ["POST", "/api/user/v1/accounts/retire_misc/", usernameBody(username), jwt(5), "application/json"],
      ["POST", "/api/user/v1/accounts/retire/", usernameBody(username), jwt(5), "application/json"],
      ["POST", `/api/edx_proctoring/v1/retire_user/${learner.userId}/`, "", jwt(5), "application/json"],
    ]);
    // one token per service host, all from the LMS, with the YAML's client id and the explicit secret
    const tokens = lms.received("POST /oauth2/access_token");
    expect(tokens).to.have.length(5);
    for (const t of tokens) expect(t.body).to.equal("grant_type=client_credentials&client_id=driver-client&client_secret=explicit-secret&token_type=jwt");

    const responses = await responsesOf(h.ds, learner.userId);
    expect(responses).to.contain("Ending: LICENSE_MANAGER_COMPLETE with response:\nTrue\n");
    expect(responses).to.contain('Ending: ECOM_COMPLETE with response:\n{"retired":true}\n');
    expect(responses).to.contain('Ending: ENROLLMENTS_COMPLETE with response:\n["OrgX"]\n');
  });

  it("refuses retire_mailings, unknown methods and states outside RETIREMENT_STATES at start, with every problem", () => {
    const file = path.join(dir, "driver.yml");
    fs.writeFileSync(
      file,
      driverYaml({ lms: "https://lms.example.com" }, [
        "['RETIRING_EMAIL_LISTS', 'EMAIL_LISTS_COMPLETE', 'LMS', 'retirement_retire_mailings']",
        "['RETIRING_CREDENTIALS', 'CREDENTIALS_COMPLETE', 'CREDENTIALS', 'retire_learner']",
        "['RETIRING_LMS', 'LMS_COMPLETE', 'LMS', 'retirement_lms_wipe']",
      ]),
    );
    let problems: string[] = [];
    try {
      loadConfig({ RETIREMENT_DRIVER_CONFIG: file });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).to.include(
      "RETIREMENT_PIPELINE: row 1: LMS.retirement_retire_mailings was removed upstream (DEPR-8): the LMS endpoint api/user/v1/accounts/retire_mailings/ is gone and today's driver refuses it; the mailing opt-out now happens in retire_misc: use [RETIRING_EMAIL_LISTS, EMAIL_LISTS_COMPLETE, LMS, retire_misc] (database) or LMS.retirement_lms_retire_misc (HTTP)",
    );
    expect(problems.some((p) => p.startsWith("RETIREMENT_PIPELINE: row 3: LMS.retirement_lms_wipe is not a known method; known: LMS.lock_account,"))).to.equal(true);
    expect(problems).to.include("RETIREMENT_PIPELINE: row 2: state RETIRING_CREDENTIALS is not in RETIREMENT_STATES");
    // an explicit RETIREMENT_PIPELINE wins over the file's
    const config = loadConfig({ RETIREMENT_DRIVER_CONFIG: file, RETIREMENT_PIPELINE: '[["RETIRING_LMS","LMS_COMPLETE","LMS","retire_lms"]]' });
    expect(config.retirement.pipeline.map((s) => s.method)).to.deep.equal(["retire_lms"]);
    expect(config.retirement.services.baseUrls.lms).to.equal("https://lms.example.com/");
    expect(() => loadConfig({ RETIREMENT_DRIVER_CONFIG: path.join(dir, "missing.yml") })).to.throw(ConfigError, /RETIREMENT_DRIVER_CONFIG: cannot read YAML file/);
  });

  it("loads the set-up guide's default and full pipeline examples as written", () => {
    const section = fs.readFileSync(path.join(__dirname, "../../docs/retirement-setup.md"), "utf8");
    const yamlBlocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).slice(0, 2);
    expect(yamlBlocks).to.have.length(2);
    const loaded = yamlBlocks.map((yaml, i) => {
      const file = path.join(dir, `example-${i}.yml`);
      fs.writeFileSync(file, yaml);
      const step1 = { RETIREMENT_LMS_BASE_URL: "https://courses.example.com", RETIREMENT_CLIENT_ID: "id", RETIREMENT_CLIENT_SECRET: "secret", RETIREMENT_BRAZE_API_KEY: "k" };
      return loadConfig({ OPENEDX_WORKERS_CONFIG: file, ...step1 }, { require: ["RETIREMENT_PIPELINE"] }).retirement;
    });
    expect(loaded[0].pipeline).to.deep.equal(loadConfig({}).retirement.pipeline);
    expect(loaded[1].pipeline.map((p) => `${p.service}.${p.method}`)).to.include.members(["CREDENTIALS.retire_learner", "BRAZE.delete_user", "DISCOVERY.retire_learner"]);
    expect(loaded[1].services.generic.DISCOVERY).to.deep.include({ method: "POST", auth: "jwt", successStatuses: [200, 204, 404] });
  });

  it("follows upstream's retry policy: exponential to 10 minutes, one extra try after a 504, 4xx at once", () => {
    const t: RetryTimings = { baseDelayMs: 1000, maxElapsedMs: 600_000, gatewayTimeoutRetryMs: 60_000 };
    const rule = { kind: "edx" } as const;
    let state;
    const delays: number[] = [];
    let now = 0;
    for (;;) {
      const d = decideRetry(rule, t, state, "RETIRING_X", { kind: "status", status: 503 }, now, now);
      if (!d.retry) break;
      delays.push(d.delayMs);
      state = d.next;
      now += d.delayMs;
    }
    expect(delays).to.deep.equal([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 89000]);
    expect(decideRetry(rule, t, undefined, "S", { kind: "connection" }, 0, 0)).to.include({ retry: true, delayMs: 1000 });
    const first504 = decideRetry(rule, t, undefined, "S", { kind: "status", status: 504 }, 0, 0);
    expect(first504).to.include({ retry: true, delayMs: 60000 });
    expect(decideRetry(rule, t, first504.retry ? first504.next : undefined, "S", { kind: "status", status: 504 }, 0, 0)).to.deep.equal({ retry: false, reason: "504 twice in a row" });
    for (const status of [400, 401, 403, 404, 409, 422]) expect(decideRetry(rule, t, undefined, "S", { kind: "status", status }, 0, 0).retry, String(status)).to.equal(false);
    expect(decideRetry(rule, t, undefined, "S", { kind: "status", status: 104 }, 0, 0).retry, "upstream's 104").to.equal(true);
    // a retry state made for another step does not count
    const other = decideRetry(rule, t, { state: "OTHER", failures: 9, firstFailureAt: -1e9, lastWasGatewayTimeout: true }, "S", { kind: "status", status: 504 }, 0, 0);
    expect(other.retry).to.equal(true);
    const third = { kind: "third-party", maxTries: 3 } as const;
    expect(decideRetry(third, t, undefined, "S", { kind: "status", status: 429 }, 0, 0).retry).to.equal(true);
    expect(decideRetry(third, t, { state: "S", failures: 2, firstFailureAt: 0 }, "S", { kind: "status", status: 500 }, 0, 0)).to.deep.equal({ retry: false, reason: "gave up after 3 tries" });
    expect(decideRetry(third, t, undefined, "S", { kind: "status", status: 400 }, 0, 0).retry).to.equal(false);
  });

  it("writes JSON bodies byte for byte as Python's json.dumps (requests' json=)", () => {
    expect(pythonJson({ username: "bob" })).to.equal('{"username": "bob"}');
    expect(pythonJson({ user_ids: [7], ignore_invalid_id: "true", a: { b: null } })).to.equal('{"user_ids": [7], "ignore_invalid_id": "true", "a": {"b": null}}');
    expect(pythonJson("Zoë 😀")).to.equal('"Zo\\u00eb \\ud83d\\ude00"');
  });
});
