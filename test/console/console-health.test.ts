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
    const body = (await res.json()) as Record<string, string>;
    expect(body.redis).to.match(/^down: /);
    expect(body.database).to.equal("ok");
    expect(body.s3).to.equal("ok");
    expect((await fetch(`${con.url}/healthz`)).status).to.equal(200);
  });

  it("/readyz names the database and the bucket when those are the ones missing", async () => {
    const url = new URL(h.db.url);
    url.pathname = "/owt_no_such_database";
    const con = await startConsole(h, { DATABASE_URL: url.toString(), CERTIFICATES_BUCKET: "owt-no-such-bucket", HEALTH_CHECK_TIMEOUT_MS: "3000" });
    consoles.push(con);
    const res = await fetch(`${con.url}/readyz`);
    expect(res.status).to.equal(503);
    const body = (await res.json()) as Record<string, string>;
    expect(body.redis).to.equal("ok");
    expect(body.database).to.match(/^down: /);
    expect(body.s3).to.match(/^down: /);
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
