import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { FakeHttpService } from "../support/fake-http-service";
import { Harness } from "../support/harness";
import { dumpPrefix } from "../support/redis-keys";
import { waitFor } from "../support/wait";
import { RETIREMENT_ENV, capturedLogger, insertLearner, requestRetirements, responsesOf, stateOf } from "./retirement-fixtures";

const STATES = [
  "PENDING", "RETIRING_BRAZE", "BRAZE_COMPLETE", "RETIRING_AMPLITUDE", "AMPLITUDE_COMPLETE", "RETIRING_HUBSPOT", "HUBSPOT_COMPLETE",
  "RETIRING_SEGMENT", "SEGMENT_COMPLETE", "RETIRING_DISCOVERY", "DISCOVERY_COMPLETE", "RETIRING_PROGRAMS", "PROGRAMS_COMPLETE", "ERRORED", "ABORTED", "COMPLETE",
];
const PIPELINE = [
  ["RETIRING_BRAZE", "BRAZE_COMPLETE", "BRAZE", "delete_user"],
  ["RETIRING_AMPLITUDE", "AMPLITUDE_COMPLETE", "AMPLITUDE", "delete_user"],
  ["RETIRING_HUBSPOT", "HUBSPOT_COMPLETE", "HUBSPOT", "delete_user"],
  ["RETIRING_SEGMENT", "SEGMENT_COMPLETE", "SEGMENT", "delete_and_suppress_learner"],
  ["RETIRING_DISCOVERY", "DISCOVERY_COMPLETE", "DISCOVERY", "retire_learner"],
  ["RETIRING_PROGRAMS", "PROGRAMS_COMPLETE", "PROGRAMS", "retire_learner"],
];

describe("learner retirement: third-party deletions and the generic HTTP method", function () {
  this.timeout(60000);
  let h: Harness;
  let vendor: FakeHttpService;
  let lms: FakeHttpService;
  let discovery: FakeHttpService;
  beforeEach(async () => {
    [vendor, lms, discovery] = await Promise.all([FakeHttpService.start(), FakeHttpService.start(), FakeHttpService.start()]);
  });
  afterEach(async () => {
    await h?.close();
    for (const s of [vendor, lms, discovery]) await s.close();
  });

  it("calls Braze, Amplitude, Hubspot, Segment with their own auth, and a configured service by templates, exactly", async () => {
    h = await Harness.create({
      env: {
        ...RETIREMENT_ENV,
        RETIREMENT_STATES: STATES.join(","),
        RETIREMENT_PIPELINE: JSON.stringify(PIPELINE),
        RETIREMENT_HTTP_RETRY_BASE_MS: "100",
        RETIREMENT_BRAZE_API_KEY: "braze-key",
        RETIREMENT_BRAZE_BASE_URL: vendor.url,
        RETIREMENT_AMPLITUDE_API_KEY: "amp-key",
        RETIREMENT_AMPLITUDE_SECRET_KEY: "amp-secret",
        RETIREMENT_AMPLITUDE_BASE_URL: `${vendor.url}/`,
        RETIREMENT_HUBSPOT_API_KEY: "hub-key",
        RETIREMENT_HUBSPOT_BASE_URL: vendor.url,
        RETIREMENT_SEGMENT_BASE_URL: `${vendor.url}/`,
        RETIREMENT_SEGMENT_AUTH_TOKEN: "seg-token",
        RETIREMENT_SEGMENT_WORKSPACE_SLUG: "my-workspace",
        RETIREMENT_LMS_BASE_URL: lms.url,
        RETIREMENT_CLIENT_ID: "retirement-client",
        RETIREMENT_CLIENT_SECRET: "s3cr3t",
        RETIREMENT_HTTP_SERVICES: JSON.stringify({
          DISCOVERY: {
            url: `${discovery.url}/api/v1/users/{user_id}/retire?u={username}`,
            method: "DELETE",
            body: { lms_user_id: "{user_id}", retired: "{retired_username}" },
            success_statuses: [200, 204, 404],
          },
          // upstream's EXTRA_SERVICES_TO_RETIRE_FROM form, with an OAuth application of its own
          PROGRAMS: { service_base_url: `${discovery.url}/programs`, retirement_url_path: "api/v1/retire" },
        }),
        RETIREMENT_OAUTH_CLIENTS: JSON.stringify({ PROGRAMS: { client_id: "programs-client", client_secret: "programs-secret" } }),
      },
    });
    const learner = await insertLearner(h);
    const [username, email] = learner.pii;
    const id = learner.userId;
    await requestRetirements(h, [id], {});
    const [{ retired_username: retired }] = await h.ds.query("SELECT retired_username FROM user_api_userretirementstatus WHERE user_id = ?", [id]);

    vendor.on("POST /users/delete", [{ status: 429, body: { message: "rate limited" } }, { status: 201, body: { deleted: 1, message: "success" } }]);
    vendor.on("POST /api/2/deletions/users", { status: 200, body: [{ amplitude_ids: [], app: 1 }] });
    vendor.on(`GET /contacts/v1/contact/email/${email}/profile`, [{ status: 502, body: "upstream down" }, { status: 200, body: { vid: 4242 } }]);
    vendor.on("DELETE /contacts/v1/contact/vid/4242", { status: 200 });
    vendor.on("POST /v1beta/workspaces/my-workspace/regulations", { status: 200, body: { data: { regulateId: "x" }, regulate_id: "r-1" } });
    lms.onToken();
    discovery.on(`DELETE /api/v1/users/${id}/retire`, { status: 404 }).on("POST /programs/api/v1/retire/", { status: 204 });

    const { logger, text: logs } = capturedLogger();
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);
    await h.worker({ queues: [QueueName.LearnerRetirement], logger });
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, id)) === "COMPLETE");

    const seen = (route: string) => vendor.received(route).map((r) => ({ auth: r.headers.authorization, type: r.headers["content-type"], body: r.body }));
    const braze = { auth: "Bearer braze-key", type: "application/json", body: `{"external_ids": [${id}]}` };
    expect(seen("POST /users/delete"), "429 retried").to.deep.equal([braze, braze]);
    expect(seen("POST /api/2/deletions/users")).to.deep.equal([
      { auth: `Basic ${Buffer.from("amp-key:amp-secret").toString("base64")}`, type: "application/json", body: `{"user_ids": [${id}], "ignore_invalid_id": "true", "requester": "user-retirement-pipeline"}` },
    ]);
    expect(seen(`GET /contacts/v1/contact/email/${email}/profile`)).to.deep.equal([1, 2].map(() => ({ auth: "Bearer hub-key", type: "application/json", body: "" })));
    expect(seen("DELETE /contacts/v1/contact/vid/4242")).to.deep.equal([{ auth: "Bearer hub-key", type: "application/json", body: "" }]);
    expect(seen("POST /v1beta/workspaces/my-workspace/regulations")).to.deep.equal([
      { auth: "Bearer seg-token", type: "application/json", body: `{"regulation_type": "Suppress_With_Delete", "attributes": {"name": "userId", "values": ["${id}", "${username}"]}}` },
    ]);
    const [generic, programs] = discovery.requests;
    expect([generic.method, generic.url, generic.body, generic.headers.authorization]).to.deep.equal([
      "DELETE",
      `/api/v1/users/${id}/retire?u=${username}`,
      `{"lms_user_id": ${id}, "retired": "${retired}"}`,
      "JWT token-1",
    ]);
    expect([programs.method, programs.url, programs.body, programs.headers.authorization]).to.deep.equal(["POST", "/programs/api/v1/retire/", `{"edx_lms_user_id": ${id}}`, "JWT token-2"]);
    expect(discovery.requests).to.have.length(2);
    expect(lms.received("POST /oauth2/access_token").map((t) => new URLSearchParams(t.body).get("client_id"))).to.deep.equal(["retirement-client", "programs-client"]);

    const responses = await responsesOf(h.ds, id);
    expect(responses).to.contain(`502 Server Error: Bad Gateway for url: ${vendor.url}/contacts/v1/contact/email/{email}/profile\nupstream down\nTry 1 of RETIRING_HUBSPOT failed`);
    expect(responses).not.to.contain(email);
    expect(responses).to.contain("Ending: DISCOVERY_COMPLETE with response:\nNone\n");
    const redis = await dumpPrefix(h.prefix);
    for (const secret of [...learner.pii, "braze-key", "amp-secret", "hub-key", "seg-token"]) {
      expect(redis).not.to.contain(secret);
      expect(logs()).not.to.contain(secret);
    }
  });

  it("names the third-party keys a pipeline needs when they are missing", async () => {
    h = await Harness.create({ env: { ...RETIREMENT_ENV, RETIREMENT_STATES: STATES.join(","), RETIREMENT_PIPELINE: JSON.stringify(PIPELINE.slice(0, 4)) } });
    const r = await runCliInProcess(["worker", "--queues", QueueName.LearnerRetirement], h.env());
    expect(r.code).to.equal(2);
    for (const name of ["RETIREMENT_BRAZE_API_KEY", "RETIREMENT_BRAZE_INSTANCE", "RETIREMENT_AMPLITUDE_API_KEY", "RETIREMENT_AMPLITUDE_SECRET_KEY", "RETIREMENT_HUBSPOT_API_KEY", "RETIREMENT_SEGMENT_BASE_URL", "RETIREMENT_SEGMENT_AUTH_TOKEN", "RETIREMENT_SEGMENT_WORKSPACE_SLUG"]) {
      expect(r.err).to.contain(`${name} (driver config`);
    }
    expect(r.err).not.to.contain("RETIREMENT_LMS_BASE_URL");
    const unknown = await runCliInProcess(["worker", "--queues", QueueName.LearnerRetirement], h.env({ RETIREMENT_PIPELINE: JSON.stringify(PIPELINE.slice(4)) }));
    expect(unknown.err).to.contain("RETIREMENT_PIPELINE: row 1: DISCOVERY.retire_learner is not a known method");
    const shown = await runCliInProcess(["config"], h.env({
      RETIREMENT_CLIENT_SECRET: "client-secret-value",
      RETIREMENT_OAUTH_CLIENTS: '{"PROGRAMS":{"client_id":"p","client_secret":"programs-secret-value"}}',
      RETIREMENT_BRAZE_API_KEY: "braze-key-value",
      RETIREMENT_PIPELINE: JSON.stringify(PIPELINE.slice(0, 1)),
    }));
    expect(shown.code, shown.err).to.equal(0);
    expect(shown.out).to.contain("RETIREMENT_CLIENT_SECRET").and.contain("RETIREMENT_OAUTH_CLIENTS");
    for (const secret of ["client-secret-value", "programs-secret-value", "braze-key-value"]) expect(shown.out, "config hides secrets").not.to.contain(secret);
    const bad = await runCliInProcess(["config"], h.env({ RETIREMENT_HTTP_SERVICES: '{"discovery":{"url":"ftp://x/{userid}","method":"FETCH","success_statuses":["ok"],"auth":"basic"}}' }));
    expect(bad.code).to.equal(2);
    for (const text of ["names are upper-case words", "url must be an absolute http(s) URL template", "method must be one of", "success_statuses must be a list", "auth must be jwt or none", "unknown placeholder(s) {userid}"]) {
      expect(bad.err).to.contain(text);
    }
  });
});
