import { expect } from "chai";
import { QueueName, jobIds } from "../../src/queues/registry";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { expireJobLock } from "../support/job-locks";
import { FakeHttpService, type ReceivedRequest, type Reply } from "../support/fake-http-service";
import { Harness } from "../support/harness";
import { dumpPrefix } from "../support/redis-keys";
import { waitFor } from "../support/wait";
import { FULL_TRANSITIONS, lmsEnv, usernameBody } from "./http-fixtures";
import { RETIREMENT_ENV, capturedLogger, insertLearner, requestRetirements, responsesOf, stateOf, transitions, type LearnerFixture } from "./retirement-fixtures";

const FORUM = "POST /api/discussion/v1/accounts/retire_forum/";
const NOTES = "POST /api/edxnotes/v1/retire_user/";
const TOKEN = "POST /oauth2/access_token";

/** Answers per learner: the handler finds the learner by the username in the body. */
function perLearner(learners: LearnerFixture[], replies: Array<Reply[]>, fallback: Reply = { status: 204 }) {
  const seen = new Map<number, number>();
  return (req: ReceivedRequest): Reply => {
    const i = learners.findIndex((l) => req.body === usernameBody(l.pii[0]));
    if (i < 0) return fallback;
    const n = seen.get(i) ?? 0;
    seen.set(i, n + 1);
    const list = replies[i] ?? [fallback];
    return list[Math.min(n, list.length - 1)];
  };
}

const bodiesOf = (reqs: ReceivedRequest[]) => reqs.map((r) => r.body);
const forLearner = (reqs: ReceivedRequest[], l: LearnerFixture) => reqs.filter((r) => r.body === usernameBody(l.pii[0]));

describe("learner retirement over HTTP: the full default pipeline as the retirement service user", function () {
  this.timeout(60000);
  let h: Harness;
  let lms: FakeHttpService;
  beforeEach(async () => {
    lms = await FakeHttpService.start();
  });
  afterEach(async () => {
    await h?.close();
    await lms.close();
  });

  async function world(extra: Record<string, string> = {}, count = 2): Promise<LearnerFixture[]> {
    h = await Harness.create({ env: lmsEnv(lms, extra) });
    const learners: LearnerFixture[] = [];
    for (let i = 0; i < count; i++) learners.push(await insertLearner(h));
    await requestRetirements(h, learners.map((l) => l.userId), {});
    return learners;
  }

  const enqueue = async (args: string[] = []) => {
    const r = await runCliInProcess(["retire-learners", ...args], h.env());
    expect(r.code, r.err).to.equal(0);
  };

  it("reaches COMPLETE with one exact request per HTTP step and one token; a forum 404 counts as success", async () => {
    const learners = await world();
    const [a, b] = learners;
    lms.onToken().on(FORUM, perLearner(learners, [[{ status: 204 }], [{ status: 404, body: { detail: "Not found." } }]])).on(NOTES, { status: 204 });
    const { logger, text: logs } = capturedLogger();
    await enqueue();
    await h.worker({ queues: [QueueName.LearnerRetirement], logger });
    for (const l of learners) await waitFor(`user ${l.userId} COMPLETE`, async () => (await stateOf(h.ds, l.userId)) === "COMPLETE");

    for (const l of learners) expect(transitions(await responsesOf(h.ds, l.userId))).to.deep.equal(FULL_TRANSITIONS);
    expect(await responsesOf(h.ds, a.userId)).to.contain("Ending: FORUMS_COMPLETE with response:\nNone\n").and.contain("Ending: NOTES_COMPLETE with response:\nNone\n");
    expect(await responsesOf(h.ds, b.userId), "the forum's 404 is success, recorded as upstream's True").to.contain("Ending: FORUMS_COMPLETE with response:\nTrue\n");

    // exactly one request per learner and step, with upstream's method, path (trailing slash), headers and body
    const expected = learners.map((l) => usernameBody(l.pii[0])).sort();
    expect(bodiesOf(lms.received(FORUM)).sort()).to.deep.equal(expected);
    expect(bodiesOf(lms.received(NOTES)).sort()).to.deep.equal(expected);
    for (const req of [...lms.received(FORUM), ...lms.received(NOTES)]) {
      expect(req.headers.authorization).to.equal("JWT token-1");
      expect(req.headers["content-type"]).to.equal("application/json");
      expect(req.headers["content-length"]).to.equal(String(Buffer.byteLength(req.body)));
    }
    expect(lms.requests.map((r) => `${r.method} ${r.url}`).filter((r) => ![FORUM, NOTES].includes(r)), "no status calls: states stay in the database").to.deep.equal([TOKEN]);
    const [token] = lms.received(TOKEN);
    expect(token.body).to.equal("grant_type=client_credentials&client_id=retirement-client&client_secret=s3cr3t&token_type=jwt");
    expect(token.headers["content-type"]).to.equal("application/x-www-form-urlencoded");
    expect(token.headers["user-agent"]).to.equal("scripts.user_retirement");

    // the database steps ran as before
    const [user] = await h.ds.query("SELECT username, is_active FROM auth_user WHERE id = ?", [a.userId]);
    expect(user.username).to.match(/^retired__user_[0-9a-f]{40}$/);
    const redis = await dumpPrefix(h.prefix);
    for (const secret of [...a.pii, ...b.pii, "s3cr3t", "token-1"]) {
      expect(redis, "Redis").not.to.contain(secret);
      expect(logs(), "logs").not.to.contain(secret);
    }
  });

  it("in a chunk job, a learner whose HTTP step must wait continues in its own job with its retry bookkeeping; the others finish in the chunk", async () => {
    const learners = await world({ RETIREMENT_HTTP_RETRY_BASE_MS: "300" }, 3);
    const [a, b, c] = learners;
    lms.onToken().on(FORUM, perLearner(learners, [[{ status: 204 }], [{ status: 500, body: "oops" }, { status: 204 }], [{ status: 204 }]])).on(NOTES, { status: 204 });
    await enqueue(["--chunk-size", "3"]);
    const { ctx } = await h.worker({ queues: [QueueName.LearnerRetirement], concurrency: 1 });
    for (const l of learners) await waitFor(`user ${l.userId} COMPLETE`, async () => (await stateOf(h.ds, l.userId)) === "COMPLETE");

    for (const l of learners) expect(transitions(await responsesOf(h.ds, l.userId)), `user ${l.userId}`).to.deep.equal(FULL_TRANSITIONS);
    expect(await responsesOf(h.ds, b.userId)).to.contain("Try 1 of RETIRING_FORUMS failed; retrying in 0.3 s");
    const queue = ctx.queues.queue(QueueName.LearnerRetirement);
    const chunk = await queue.getJob(jobIds.retireLearnersChunk(learners.map((l) => l.userId).sort((x, y) => x - y)));
    expect(chunk!.returnvalue).to.deep.include({ learners: 3, retired: 2, handedOn: [b.userId] });
    const own = await queue.getJob(jobIds.retireLearner(b.userId));
    expect(own!.data, "handed on with its retry bookkeeping").to.deep.include({ userId: b.userId });
    expect(own!.data.retry).to.deep.include({ state: "RETIRING_FORUMS", failures: 1 });
    expect(forLearner(lms.received(FORUM), b), "the forum call retried once, by the learner's own job").to.have.length(2);
    for (const l of [a, c]) expect(forLearner(lms.received(FORUM), l)).to.have.length(1);
  });

  it("two 500s then 200: retried as a delayed job that holds no slot (another learner completes meanwhile)", async () => {
    const learners = await world({ RETIREMENT_HTTP_RETRY_BASE_MS: "1000" });
    const [a, b] = learners;
    lms.onToken().on(FORUM, perLearner(learners, [[{ status: 500, body: "oops" }, { status: 500, body: "oops" }, { status: 204 }]])).on(NOTES, { status: 204 });
    await enqueue(); // a first (oldest), then b
    const { ctx } = await h.worker({ queues: [QueueName.LearnerRetirement], concurrency: 1 });

    await waitFor("b COMPLETE", async () => (await stateOf(h.ds, b.userId)) === "COMPLETE");
    expect(await stateOf(h.ds, a.userId), "a is still waiting for its retry when b is done, with one worker slot").to.equal("RETIRING_FORUMS");
    await waitFor("a COMPLETE", async () => (await stateOf(h.ds, a.userId)) === "COMPLETE");

    const tries = forLearner(lms.received(FORUM), a);
    expect(tries).to.have.length(3);
    expect(tries[1].at - tries[0].at, "first wait 1 s").to.be.at.least(1000);
    expect(tries[2].at - tries[1].at, "then 2 s").to.be.at.least(2000);
    expect(forLearner(lms.received(FORUM), b)[0].at, "b's request went out while a waited").to.be.below(tries[1].at);
    const responses = await responsesOf(h.ds, a.userId);
    expect(responses).to.contain(`500 Server Error: Internal Server Error for url: ${lms.url}/api/discussion/v1/accounts/retire_forum/\noops\nTry 1 of RETIRING_FORUMS failed; retrying in 1 s`);
    expect(responses).to.contain("Try 2 of RETIRING_FORUMS failed; retrying in 2 s");
    expect(transitions(responses)).to.deep.equal(FULL_TRANSITIONS);
    const job = await ctx.queues.queue(QueueName.LearnerRetirement).getJob(jobIds.retireLearner(a.userId));
    expect(job!.attemptsMade, "three tries, one attempt: waiting used none of the job's attempts").to.equal(1);
  });

  it("a 504 gets one more try after the configured delay; a second 504 and any 400 end ERRORED with status and body", async () => {
    const learners = await world({}, 3);
    const [a, b, c] = learners;
    lms.onToken();
    lms.on(FORUM, perLearner(learners, [[{ status: 504 }, { status: 204 }], [{ status: 504, body: "gw" }], [{ status: 400, body: { detail: "bad username" } }]]));
    lms.on(NOTES, { status: 204 });
    await enqueue();
    const { ctx } = await h.worker({ queues: [QueueName.LearnerRetirement] });
    await waitFor("a COMPLETE", async () => (await stateOf(h.ds, a.userId)) === "COMPLETE");
    await waitFor("b, c ERRORED", async () => (await stateOf(h.ds, b.userId)) === "ERRORED" && (await stateOf(h.ds, c.userId)) === "ERRORED");

    const aTries = forLearner(lms.received(FORUM), a);
    expect(aTries).to.have.length(2);
    expect(aTries[1].at - aTries[0].at).to.be.at.least(400);
    expect(forLearner(lms.received(FORUM), b), "504 is retried once only").to.have.length(2);
    expect(await responsesOf(h.ds, b.userId)).to.contain(`Error in RETIRING_FORUMS: 504 Server Error: Gateway Timeout for url: ${lms.url}/api/discussion/v1/accounts/retire_forum/\ngw\n(504 twice in a row)`);
    expect(forLearner(lms.received(FORUM), c), "a 400 is not retried").to.have.length(1);
    const cResponses = await responsesOf(h.ds, c.userId);
    expect(cResponses).to.contain(`Error in RETIRING_FORUMS: 400 Client Error: Bad Request for url: ${lms.url}/api/discussion/v1/accounts/retire_forum/\n{"detail":"bad username"}`);
    expect(transitions(cResponses).slice(-2)).to.deep.equal(["LOCKING_COMPLETE -> RETIRING_FORUMS", "RETIRING_FORUMS -> ERRORED"]);
    expect(forLearner(lms.received(NOTES), c), "no later step ran").to.have.length(0);
    const failed = await ctx.queues.queue(QueueName.LearnerRetirement).getJob(jobIds.retireLearner(c.userId));
    expect(failed!.failedReason, "the job's reason in Redis carries no response body").to.equal("LMS.retirement_retire_forum: status 400 (not retryable)");
  });

  it("renews a token shortly before it expires and once on a 401; a second 401 is a refusal", async () => {
    const learners = await world({ RETIREMENT_TOKEN_RENEW_MARGIN_MS: "1500" }, 4);
    const [a, b, c, d] = learners;
    const issued = new Map<string, number>();
    const revoked = new Set<string>();
    lms.on(TOKEN, (_req, nth) => {
      const token = `token-${nth + 1}`;
      issued.set(token, Date.now());
      return { status: 200, body: { access_token: token, expires_in: 2, token_type: "JWT" } };
    });
    const service = (req: ReceivedRequest): Reply => {
      const token = String(req.headers.authorization).replace("JWT ", "");
      const age = Date.now() - (issued.get(token) ?? 0);
      if (req.body === usernameBody(d.pii[0]) || revoked.has(token) || age > 2000) return { status: 401, body: { detail: "Invalid token." } };
      return { status: 204 };
    };
    lms.on(FORUM, service).on(NOTES, service);
    await h.worker({ queues: [QueueName.LearnerRetirement], concurrency: 1 });
    const retireNext = async (l: LearnerFixture, end = "COMPLETE") => {
      await enqueue(["--limit", "1"]);
      await waitFor(`user ${l.userId} ${end}`, async () => (await stateOf(h.ds, l.userId)) === end);
    };
    const tokensOf = (l: LearnerFixture) => [...forLearner(lms.received(FORUM), l), ...forLearner(lms.received(NOTES), l)].map((r) => r.headers.authorization);

    await retireNext(a);
    expect(tokensOf(a)).to.deep.equal(["JWT token-1", "JWT token-1"]);
    // token-1 lives 2 s and is renewed 1 s before expiry (the margin, at most half its life)
    await waitFor("token-1 past its renewal time", async () => Date.now() > issued.get("token-1")! + 1100);
    await retireNext(b);
    expect(tokensOf(b), "renewed before it expired: no 401 seen").to.deep.equal(["JWT token-2", "JWT token-2"]);
    revoked.add("token-2");
    await retireNext(c);
    expect(tokensOf(c), "a 401 renews the token once and repeats the call").to.deep.equal(["JWT token-2", "JWT token-3", "JWT token-3"]);
    await retireNext(d, "ERRORED");
    expect(tokensOf(d), "one renewal only").to.have.length(2);
    expect(await responsesOf(h.ds, d.userId)).to.contain("Error in RETIRING_FORUMS: 401 Client Error: Unauthorized for url:");
    expect(lms.received(TOKEN)).to.have.length(4);
  });

  it("a token endpoint refusing the client fails the step at once, naming the client id, never the secret", async () => {
    const [a] = await world({}, 1);
    lms.onToken({ status: 401 }).on(FORUM, { status: 204 });
    await enqueue();
    await h.worker({ queues: [QueueName.LearnerRetirement] });
    await waitFor("ERRORED", async () => (await stateOf(h.ds, a.userId)) === "ERRORED");
    const responses = await responsesOf(h.ds, a.userId);
    expect(responses).to.contain(`Error in RETIRING_FORUMS: fetching an access token for client retirement-client: 401 Client Error: Unauthorized for url: ${lms.url}/oauth2/access_token\n{"error":"invalid_client"}`);
    expect(responses).not.to.contain("s3cr3t");
    expect(lms.received(TOKEN)).to.have.length(1);
    expect(lms.received(FORUM), "no call without a token").to.have.length(0);
  });

  it("a hung service times out and is retried", async () => {
    const [a] = await world({ RETIREMENT_HTTP_TIMEOUT_MS: "500" }, 1);
    lms.onToken().on(FORUM, [{ status: 200, hang: true }, { status: 204 }]).on(NOTES, { status: 204 });
    await enqueue();
    await h.worker({ queues: [QueueName.LearnerRetirement], concurrency: 1 });
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, a.userId)) === "COMPLETE");
    expect(lms.received(FORUM)).to.have.length(2);
    expect(await responsesOf(h.ds, a.userId)).to.contain(
      `POST ${lms.url}/api/discussion/v1/accounts/retire_forum/: timed out (no complete response within 500 ms)\nTry 1 of RETIRING_FORUMS failed; retrying in 0.2 s`,
    );
  });

  it("a worker SIGKILLed while a request is in flight: the learner resumes and the service sees at most one repeated request per step", async () => {
    const [a] = await world({}, 1);
    let hangFirst = true;
    lms.onToken().on(NOTES, { status: 204 }).on(FORUM, () => {
      if (!hangFirst) return { status: 204 };
      hangFirst = false;
      return { status: 200, hang: true };
    });
    await enqueue();
    const child = spawnCli(["worker", "--queues", QueueName.LearnerRetirement], h.env({ LOG_LEVEL: "info" }));
    await waitFor("the forum request in flight", async () => lms.received(FORUM).length === 1, { timeoutMs: 30000 });
    child.kill("SIGKILL");
    expect((await exitOf(child)).signal).to.equal("SIGKILL");
    expect(await stateOf(h.ds, a.userId)).to.equal("RETIRING_FORUMS");

    await expireJobLock(h.prefix, a.userId);
    await h.worker({ queues: [QueueName.LearnerRetirement] });
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, a.userId)) === "COMPLETE", { timeoutMs: 30000 });
    expect(lms.received(FORUM), "the in-flight step repeated once").to.have.length(2);
    expect(lms.received(NOTES), "later steps once").to.have.length(1);
    expect(transitions(await responsesOf(h.ds, a.userId)), "each transition once").to.deep.equal(FULL_TRANSITIONS);
    for (const secret of a.pii) expect(child.output()).not.to.contain(secret);
  });

  it("a retirement worker refuses to start without the settings its HTTP steps need, naming each", async () => {
    h = await Harness.create({ env: { ...RETIREMENT_ENV, RETIREMENT_PIPELINE: "" } });
    const r = await runCliInProcess(["worker", "--queues", QueueName.LearnerRetirement], h.env());
    expect(r.code).to.equal(2);
    const where = "the pipeline needs it for row 2 RETIRING_FORUMS (LMS.retirement_retire_forum), row 5 RETIRING_NOTES (LMS.retirement_retire_notes)";
    expect(r.err).to.contain(`RETIREMENT_PIPELINE: RETIREMENT_LMS_BASE_URL (driver config base_urls.lms) is not set, and ${where}; set it (or RETIREMENT_DRIVER_CONFIG), or drop those steps with an explicit RETIREMENT_PIPELINE`);
    expect(r.err).to.contain("RETIREMENT_CLIENT_ID (driver config client_id) is not set");
    expect(r.err).to.contain("RETIREMENT_CLIENT_SECRET (driver config client_secret) is not set");
    // the other queues' workers and the producer commands are not blocked
    const other = await runCliInProcess(["retire-learners", "--dry-run"], h.env());
    expect(other.code, other.err).to.equal(1); // only because the state table is empty here
    expect(other.err).to.contain("populate-retirement-states");
  });
});
