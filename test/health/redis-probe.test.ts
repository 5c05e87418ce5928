import { expect } from "chai";
import IORedis from "ioredis";
import { probeRedis } from "../../src/services/health/service-probes";
import { freePort, OwnRedis } from "../support/own-redis";

/**
 * The start-up probe names what is wrong with Redis from the step that failed (connect, AUTH, SELECT, PING), not
 * from the wording of Redis's reply.
 */
describe("Redis probe: the diagnosis comes from the failing step", function () {
  let plain: OwnRedis;
  let guarded: OwnRedis;
  before(async () => {
    plain = await OwnRedis.start();
    guarded = await OwnRedis.start();
    const admin = new IORedis({ host: "127.0.0.1", port: guarded.port, lazyConnect: true });
    await admin.connect();
    await admin.config("SET", "requirepass", "s3cret");
    admin.disconnect();
  });
  after(async () => {
    await plain?.stop();
    await guarded?.stop();
  });

  it("answers when everything is right, with the server's facts", async () => {
    const r = await probeRedis({ redisUrl: `redis://:s3cret@127.0.0.1:${guarded.port}/3` }, 2000);
    expect(r.ok, r.detail).to.equal(true);
    expect(r.detail).to.equal(`at 127.0.0.1:${guarded.port}/3 answers`);
    expect(r.facts?.maxmemoryPolicy).to.equal("noeviction");
  });

  it("a wrong password is refused credentials", async () => {
    const r = await probeRedis({ redisUrl: `redis://:wrong@127.0.0.1:${guarded.port}/0` }, 2000);
    expect(r.ok).to.equal(false);
    expect(r.detail).to.match(new RegExp(`^at 127\\.0\\.0\\.1:${guarded.port}/0 refuses the credentials: `));
    expect(r.detail).to.not.contain("wrong");
  });

  it("no password where the server wants one is refused credentials", async () => {
    const r = await probeRedis({ redisUrl: `redis://127.0.0.1:${guarded.port}/0` }, 2000);
    expect(r.detail).to.match(/ refuses the credentials: /);
  });

  it("a database index the server does not have is refused", async () => {
    const r = await probeRedis({ redisUrl: `redis://127.0.0.1:${plain.port}/99` }, 2000);
    expect(r.ok).to.equal(false);
    expect(r.detail).to.match(new RegExp(`^at 127\\.0\\.0\\.1:${plain.port}/99 refuses the database index: `));
  });

  it("nothing listening is unreachable", async () => {
    const port = await freePort();
    const r = await probeRedis({ redisUrl: `redis://127.0.0.1:${port}/0` }, 2000);
    expect(r.detail).to.match(new RegExp(`^at 127\\.0\\.0\\.1:${port}/0 is unreachable: .*ECONNREFUSED`));
  });
});
