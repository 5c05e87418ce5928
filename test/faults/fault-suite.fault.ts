import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { OwnMariaDb } from "../support/own-mariadb";
import { OwnRedis } from "../support/own-redis";
import { FaultWorld, printFigures, type Figures, type Pending } from "./fault-world";

/**
 * The fault suite (`npm run test:faults`): 2,000 PDF purges and 200 retirements, a quarter per scenario, against the
 * suite's OWN Redis (AOF, everysec) and MariaDB on spare loopback ports and a TCP proxy in front of the shared S3
 * server. Only those are killed, restarted or hung. Every effect must happen exactly once, no link may be blanked
 * while one of its files exists, no neighbour object may go, no PII may reach Redis; each scenario prints figures.
 * Every fault is injected once part of the work is done, or while a purge batch is in flight, and the suite asserts
 * that work was still pending both when the fault began and when it ended: a fault that only met an idle system
 * (the work done before it hit, as happened once purges were batched) fails the scenario.
 */
const PURGES = Number(process.env.FAULT_PURGES ?? 500);
const LEARNERS = Number(process.env.FAULT_LEARNERS ?? 50);
/** Pacing: each worker request to the database arrives this much later (a remote database), and jobs at once per queue. */
const DB_DELAY_MS = Number(process.env.FAULT_DB_DELAY_MS ?? 5);
const CONCURRENCY = Number(process.env.FAULT_CONCURRENCY ?? 2);
/** (a) and (b) enqueue purges in jobs of this many certificates (enough jobs for ten kills to each find one in flight). */
const SMALL_PURGE_JOBS = Number(process.env.FAULT_PURGE_JOB_SIZE ?? 25);
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
  const all: Figures[] = [];
  after(async () => {
    // Issue 8's acceptance counts are over the four scenarios together: 4 × (500 purges + 50 retirements).
    const sum = (k: "lost" | "doubled" | "stuck") => all.reduce((n, f) => n + f[k], 0);
    process.stdout.write(
      `      [faults] all scenarios: purges=${all.length * PURGES} retirements=${all.length * LEARNERS} lost=${sum("lost")} doubled=${sum("doubled")} stuck=${sum("stuck")} ` +
        `time=${Math.round(all.reduce((n, f) => n + f.seconds, 0))}s\n`,
    );
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

  /**
   * Seeds a world, starts two workers, enqueues everything, runs the fault once part of the work is done, waits,
   * measures and asserts: every effect once, and every fault began AND ended with work still pending (so it hit
   * the work, not an idle system).
   */
  async function scenario(name: string, fault: (w: FaultWorld) => Promise<string>, opts: { purgeJobSize?: number } = {}): Promise<Figures> {
    world = await FaultWorld.create({ purges: PURGES, learners: LEARNERS, dbDelayMs: DB_DELAY_MS, concurrency: CONCURRENCY, purgeJobSize: opts.purgeJobSize });
    const w = world;
    await Promise.all([w.startWorker(), w.startWorker()]);
    const started = Date.now();
    w.startMonitor();
    await w.enqueueAll();
    const notes = await fault(w);
    const finished = await w.waitForWork(240_000);
    const figures = await w.figures(name, started, notes);
    printFigures(figures);
    all.push(figures);
    expect(finished, `work did not finish\n${w.workerLogs()}`).to.equal(true);
    expect(figures, w.workerLogs()).to.include({ lost: 0, doubled: 0, stuck: 0, blankedEarly: 0, neighboursLost: 0, piiInRedis: 0 });
    expect(figures.faults, "faults injected").not.to.be.empty;
    for (const f of figures.faults) {
      const left = (p?: Pending) => (p ? p.certificates + p.learners : 0);
      expect(left(f.atStart), `${f.fault}: work was pending when it began`).to.be.above(0);
      expect(left(f.atEnd), `${f.fault}: work was still pending when it ended`).to.be.above(0);
    }
    return figures;
  }

  it("(a) ten random SIGKILLs of workers, each of a worker holding an active job", async () => {
    await scenario("(a) ten random SIGKILLs", async (w) => {
      await w.waitUntilDone(0.05);
      for (let i = 0; i < 10; i++) {
        // A random one of the workers holding an active job now (waiting briefly for one to take a job).
        let busy = await w.busyWorkers();
        for (let tries = 0; busy.length === 0 && tries < 100; tries++) {
          await sleep(100);
          busy = await w.busyWorkers();
        }
        const victim = busy.length > 0 ? busy[Math.floor(Math.random() * busy.length)] : w.workers[Math.floor(Math.random() * w.workers.length)];
        const atStart = (await w.pending())!;
        await w.fault(`kill ${i + 1}${busy.length > 0 ? " (mid-job)" : " (idle worker)"}`, atStart, async () => {
          await w.kill(victim);
          await w.startWorker();
        });
      }
      const midJob = w.faults.filter((f) => f.fault.includes("mid-job")).length;
      expect(midJob, "kills of a worker holding an active job").to.be.at.least(8);
      return `10 kills, ${midJob} of a worker holding an active job; purge jobs of ${SMALL_PURGE_JOBS} certificates`;
    }, { purgeJobSize: SMALL_PURGE_JOBS });
  });

  it("(b) a Redis kill and restart (AOF, everysec)", async () => {
    await scenario("(b) Redis SIGKILL + restart", async (w) => {
      const atStart = await w.waitUntilDone(0.25);
      await w.fault("Redis SIGKILL, down 3 s, restarted from its AOF", atStart, async () => {
        await redis.kill();
        await sleep(3000);
        await redis.up();
      });
      return `Redis down 3 s; purge jobs of ${SMALL_PURGE_JOBS} certificates`;
    }, { purgeJobSize: SMALL_PURGE_JOBS });
  });

  it("(c) a 20 s database outage", async () => {
    await scenario("(c) 20 s database outage", async (w) => {
      // Under a 250-certificate batch in flight (its DeleteObjects or its transaction).
      const atStart = await w.waitForActive(QueueName.CertificatePurge);
      await w.fault("MariaDB stopped for 20 s", atStart, async () => {
        await mariadb.down();
        await sleep(20_000);
        await mariadb.up();
      });
      return "MariaDB stopped 20 s; producer batches of 250";
    });
  });

  it("(d) 30 s of refused, then 30 s of hung S3 connections", async () => {
    await scenario("(d) S3 30 s refused + 30 s hung", async (w) => {
      const atStart = await w.waitForActive(QueueName.CertificatePurge);
      await w.fault("S3 refused 30 s, then hung 30 s", atStart, async () => {
        await w.proxy.refuse();
        await sleep(30_000);
        w.proxy.close();
        await w.proxy.accept();
        await sleep(30_000);
        w.proxy.release();
      });
      return `S3 refused 30 s, then hung 30 s (${w.proxy.held} requests held); producer batches of 250`;
    });
  });
});
