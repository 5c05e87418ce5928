import http from "node:http";
import net from "node:net";
import { expect } from "chai";
import { Harness } from "../support/harness";
import { parsePrometheusText } from "../support/prometheus-text";
import { startConsole, type RunningConsole } from "./console-fixtures";

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("console: /healthz and /readyz", function () {
  this.timeout(60000);
  let h: Harness;
  const consoles: RunningConsole[] = [];

  before(async () => {
    h = await Harness.create({ bucket: true });
  });
  after(async () => {
    for (const c of consoles) await c.close();
    await h?.close();
  });

  it("/readyz answers 200 with each of Redis, the database and S3 ok; /healthz answers without a session", async () => {
    const con = await startConsole(h);
    consoles.push(con);
    const res = await fetch(`${con.url}/readyz`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ redis: "ok", database: "ok", s3: "ok" });
    const live = await fetch(`${con.url}/healthz`);
    expect(live.status).to.equal(200);
  });

  it("/readyz answers 503 naming Redis when Redis does not answer, within the check timeout", async () => {
    const con = await startConsole(h, { REDIS_URL: `redis://127.0.0.1:${await closedPort()}/0`, HEALTH_CHECK_TIMEOUT_MS: "1000" });
    consoles.push(con);
    const started = Date.now();
    const res = await fetch(`${con.url}/readyz`);
    expect(Date.now() - started).to.be.below(5000);
    expect(res.status).to.equal(503);
    const text = await res.text();
    const body = JSON.parse(text) as Record<string, string>;
    expect(body.redis).to.match(/^down: (timeout|connection_[a-z]+|ECONNREFUSED)$/);
    expect(body.database).to.equal("ok");
    expect(body.s3).to.equal("ok");
    expect(text).to.not.include("127.0.0.1");
    expect((await fetch(`${con.url}/healthz`)).status).to.equal(200);
  });

  it("/readyz names the database and the bucket when those are the ones missing", async () => {
    const url = new URL(h.db.url);
    url.pathname = "/owt_no_such_database";
    const con = await startConsole(h, { DATABASE_URL: url.toString(), CERTIFICATES_BUCKET: "owt-no-such-bucket", HEALTH_CHECK_TIMEOUT_MS: "3000" });
    consoles.push(con);
    const res = await fetch(`${con.url}/readyz`);
    expect(res.status).to.equal(503);
    const text = await res.text();
    // States and codes only: no database, bucket or host names, no database user.
    expect(JSON.parse(text)).to.deep.equal({ redis: "ok", database: "down: ER_BAD_DB_ERROR", s3: "down: NoSuchBucket" });
    expect(text).to.not.match(/owt_no_such_database|owt-no-such-bucket|127\.0\.0\.1|root/);
    // /metrics, public too, says the same with numbers and no text of the errors.
    const metrics = await (await fetch(`${con.url}/metrics`)).text();
    const up = parsePrometheusText(metrics).samples.filter((s) => s.name === "openedx_workers_dependency_up");
    expect(Object.fromEntries(up.map((s) => [s.labels.dependency, s.value]))).to.deep.equal({ redis: 1, database: 0, s3: 0 });
    expect(metrics).to.not.match(/owt_no_such_database|owt-no-such-bucket|127\.0\.0\.1|root|ER_BAD_DB_ERROR|NoSuchBucket/);
  });

  it("/readyz names the S3 error code of a wrong access key and the MySQL code of a wrong password, never their text", async () => {
    const url = new URL(h.db.url);
    url.password = "not-the-password";
    url.username = "owt_no_such_user";
    const con = await startConsole(h, { DATABASE_URL: url.toString(), AWS_ACCESS_KEY_ID: "OWTNOSUCHACCESSKEY", HEALTH_CHECK_TIMEOUT_MS: "3000" });
    consoles.push(con);
    const res = await fetch(`${con.url}/readyz`);
    expect(res.status).to.equal(503);
    const text = await res.text();
    expect(JSON.parse(text)).to.deep.equal({ redis: "ok", database: "down: ER_ACCESS_DENIED_ERROR", s3: "down: InvalidAccessKeyId" });
    expect(text).to.not.match(/owt_no_such_user|OWTNOSUCHACCESSKEY|127\.0\.0\.1/);
    expect(await (await fetch(`${con.url}/metrics`)).text()).to.not.match(/owt_no_such_user|OWTNOSUCHACCESSKEY|127\.0\.0\.1|Access denied/);
  });

  it("a flood of /readyz and /metrics requests costs one dependency check per moment (counted at an S3 played by a local server)", async () => {
    let listings = 0;
    const s3 = http.createServer((req, res) => {
      listings++;
      // ListObjectsV2 of an empty bucket, as S3 answers it.
      res.writeHead(200, { "content-type": "application/xml" });
      res.end('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>');
    });
    await new Promise<void>((resolve) => s3.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = s3.address() as net.AddressInfo;
      const con = await startConsole(h, { S3_ENDPOINT: `http://127.0.0.1:${port}` });
      consoles.push(con);
      const started = Date.now();
      const answers = await Promise.all([
        ...Array.from({ length: 50 }, () => fetch(`${con.url}/readyz`).then(async (r) => [r.status, await r.text()] as const)),
        ...Array.from({ length: 20 }, () => fetch(`${con.url}/metrics`).then(async (r) => [r.status, await r.text()] as const)),
      ]);
      const elapsed = Date.now() - started;
      expect(answers.filter(([status]) => status === 200)).to.have.length(70);
      // One check per 1.5 s started: however long the flood took on this machine, never one per request.
      expect(listings).to.be.at.least(1).and.at.most(Math.ceil(elapsed / 1500) + 1);
      expect(listings).to.be.below(10);
    } finally {
      await new Promise((resolve) => s3.close(resolve));
    }
  });

  it("/metrics says what is down: openedx_workers_dependency_up is 0 for a Redis that is not running, 1 for the others", async () => {
    const con = await startConsole(h, { REDIS_URL: `redis://127.0.0.1:${await closedPort()}/0`, HEALTH_CHECK_TIMEOUT_MS: "1000" });
    consoles.push(con);
    const res = await fetch(`${con.url}/metrics`);
    expect(res.status).to.equal(200);
    const { samples, types } = parsePrometheusText(await res.text());
    expect(types.get("openedx_workers_dependency_up")).to.equal("gauge");
    const up = Object.fromEntries(samples.filter((s) => s.name === "openedx_workers_dependency_up").map((s) => [s.labels.dependency, s.value]));
    expect(up).to.deep.equal({ redis: 0, database: 1, s3: 1 });
    const healthy = await startConsole(h);
    consoles.push(healthy);
    const all = parsePrometheusText(await (await fetch(`${healthy.url}/metrics`)).text()).samples.filter((s) => s.name === "openedx_workers_dependency_up");
    expect(all.map((s) => s.value)).to.deep.equal([1, 1, 1]);
  });
});
