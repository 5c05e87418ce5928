import { expect } from "chai";
import { OwnMariaDb } from "../support/own-mariadb";
import { OwnRedis } from "../support/own-redis";
import { FaultWorld, printFigures, type Figures } from "./fault-world";

/**
 * The fault suite (`npm run test:faults`): 2,000 PDF purges and 200 retirements, a quarter per scenario, against the
 * suite's OWN Redis (AOF, everysec) and MariaDB on spare loopback ports and a TCP proxy in front of the shared S3
 * server. Only those are killed, restarted or hung. Every effect must happen exactly once, no link may be blanked
 * while one of its files exists, no neighbour object may go, no PII may reach Redis; each scenario prints figures.
 */
const PURGES = Number(process.env.FAULT_PURGES ?? 500);
const LEARNERS = Number(process.env.FAULT_LEARNERS ?? 50);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("fault suite: outages, crashes and hangs, each effect exactly once", function () {
  this.timeout(10 * 60_000);
  let redis: OwnRedis;
  let mariadb: OwnMariaDb;
  let world: FaultWorld | undefined;
  const saved = { redis: process.env.TEST_REDIS_URL, mysql: process.env.TEST_MYSQL_ADMIN_URL };

  before(async () => {
    [redis, mariadb] = await Promise.all([OwnRedis.start({ aof: true }), OwnMariaDb.start()]);
    process.env.TEST_REDIS_URL = redis.url;
    process.env.TEST_MYSQL_ADMIN_URL = mariadb.adminUrl;
  });
  after(async () => {
    process.env.TEST_REDIS_URL = saved.redis;
    process.env.TEST_MYSQL_ADMIN_URL = saved.mysql;
    if (saved.redis === undefined) delete process.env.TEST_REDIS_URL;
    if (saved.mysql === undefined) delete process.env.TEST_MYSQL_ADMIN_URL;
    await Promise.all([redis?.stop(), mariadb?.stop()]);
  });
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  /** Seeds a world, starts two workers, enqueues everything, runs the fault, waits, measures and asserts. */
  async function scenario(name: string, fault: (w: FaultWorld) => Promise<string>): Promise<Figures> {
    world = await FaultWorld.create({ purges: PURGES, learners: LEARNERS });
    const w = world;
    await Promise.all([w.startWorker(), w.startWorker()]);
    const started = Date.now();
    w.startMonitor();
    await w.enqueueAll();
    const notes = await fault(w);
    const finished = await w.waitForWork(180_000);
    const figures = await w.figures(name, started, notes);
    printFigures(figures);
    expect(finished, `work did not finish\n${w.workerLogs()}`).to.equal(true);
    expect(figures, w.workerLogs()).to.include({ lost: 0, doubled: 0, stuck: 0, blankedEarly: 0, neighboursLost: 0, piiInRedis: 0 });
    return figures;
  }

  it("(a) ten random SIGKILLs of workers", async () => {
    await scenario("(a) ten random SIGKILLs", async (w) => {
      let busyKills = 0;
      for (let i = 0; i < 10; i++) {
        await sleep(300 + Math.floor(Math.random() * 700));
        const victim = w.workers[Math.floor(Math.random() * w.workers.length)];
        if (victim.output().includes("job completed")) busyKills++;
        await w.kill(victim);
        await w.startWorker();
      }
      return `10 kills, ${busyKills} of workers that had been processing`;
    });
  });

  it("(b) a Redis kill and restart (AOF, everysec)", async () => {
    await scenario("(b) Redis SIGKILL + restart", async () => {
      await sleep(1500);
      await redis.kill();
      await sleep(3000);
      await redis.up();
      return "Redis down 3 s";
    });
  });

  it("(c) a 20 s database outage", async () => {
    await scenario("(c) 20 s database outage", async () => {
      await sleep(1500);
      await mariadb.down();
      await sleep(20_000);
      await mariadb.up();
      return "MariaDB stopped 20 s";
    });
  });

  it("(d) 30 s of refused, then 30 s of hung S3 connections", async () => {
    await scenario("(d) S3 30 s refused + 30 s hung", async (w) => {
      await sleep(1000);
      await w.proxy.refuse();
      await sleep(30_000);
      w.proxy.close();
      await w.proxy.accept();
      await sleep(30_000);
      w.proxy.release();
      return `S3 refused 30 s, then hung 30 s (${w.proxy.held} requests held)`;
    });
  });
});
