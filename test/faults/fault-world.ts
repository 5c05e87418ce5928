import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { enqueuePurges } from "../../src/producers/pdf-certificate-purge.producer";
import { QueueSet } from "../../src/queues/queue-set";
import { ALL_QUEUES, QueueName } from "../../src/queues/registry";
import { exitOf, runCliInProcess, spawnCli } from "../support/cli";
import { insertPdfCertificate } from "../support/fixtures";
import { Harness } from "../support/harness";
import { dumpPrefix } from "../support/redis-keys";
import { services } from "../support/services";
import { TcpGate } from "../support/tcp-gate";
import { DEFAULT_TRANSITIONS, RETIREMENT_ENV, insertLearner, requestRetirements, transitions } from "../retirement/retirement-fixtures";

/**
 * One scenario's world for the fault suite: a fresh database (on the suite's own MariaDB), a queue prefix (on its
 * own Redis), a bucket behind a TCP proxy the scenario can refuse or hang, N PDF certificates and L learners due
 * for retirement, and W worker processes. It enqueues everything, lets the scenario inject its fault, waits for the
 * work to finish, and measures: jobs, lost, doubled, stuck, links blanked before their files were gone, time.
 */
export interface Figures {
  scenario: string;
  jobs: number;
  lost: number;
  doubled: number;
  stuck: number;
  blankedEarly: number;
  neighboursLost: number;
  piiInRedis: number;
  seconds: number;
  notes: string;
  /** Each fault with the work still pending when it began and when it ended (certificates, learners). */
  faults: FaultRecord[];
}

/** Work not yet done: certificates whose links remain, learners not COMPLETE, and jobs in Redis not yet finished. */
export interface Pending {
  certificates: number;
  learners: number;
  jobs: number;
}

export interface FaultRecord {
  fault: string;
  atStart: Pending;
  atEnd?: Pending;
}



/** Settings that make the suite's fault recovery take seconds: short locks, fast backoff with a long budget. */
const FAULT_ENV = {
  ...RETIREMENT_ENV,
  WORKER_LOCK_DURATION_MS: "3000",
  WORKER_STALLED_INTERVAL_MS: "1000",
  WORKER_MAX_STALLED_COUNT: "100",
  JOB_ATTEMPTS: "100",
  JOB_BACKOFF_MS: "200",
  JOB_BACKOFF_MAX_MS: "2000",
  S3_REQUEST_TIMEOUT_MS: "2000",
  S3_CONNECT_TIMEOUT_MS: "1000",
  DB_CONNECT_TIMEOUT_MS: "2000",
  WORKER_WATCHDOG_MS: "0",
  WORKER_SHUTDOWN_TIMEOUT_MS: "3000",
  // The nightly sweeper off: its scheduler's next run is a delayed job, which the final count would take for stuck work.
  STUCK_JOB_SWEEPER_CRON: "off",
  STARTUP_TIMEOUT_MS: "20000",
  LOG_LEVEL: "warn",
};

export class FaultWorld {
  h!: Harness;
  proxy!: TcpGate;
  private endpoint = "";
  private certificates: Array<{ id: number; keys: string[] }> = [];
  private neighbours: string[] = [];
  private learners: Array<{ userId: number; pii: string[] }> = [];
  readonly workers: Array<ReturnType<typeof spawnCli>> = [];
  private readonly deadWorkerLogs: string[] = [];
  private blankLogSeen = 0;
  blankedEarly = 0;
  private monitoring = false;
  private monitor?: Promise<void>;
  private dbProxy?: TcpGate;
  private databaseUrl = "";
  private concurrency = 2;
  private purgeJobSize = 250;
  readonly faults: FaultRecord[] = [];
  private queueSet?: QueueSet;

  /**
   * `dbDelayMs` paces the workers: their database traffic goes through a proxy adding that much per request (a
   * remote database), so the work lasts long enough for each fault to land while work is pending.
   */
  static async create(opts: { purges: number; learners: number; dbDelayMs?: number; concurrency?: number; purgeJobSize?: number }): Promise<FaultWorld> {
    const w = new FaultWorld();
    w.purgeJobSize = opts.purgeJobSize ?? 250;
    w.h = await Harness.create({ bucket: true, env: FAULT_ENV });
    w.concurrency = opts.concurrency ?? 2;
    const rgw = new URL(services.s3Endpoint);
    w.proxy = new TcpGate(rgw.hostname, Number(rgw.port));
    w.endpoint = await w.proxy.listen();
    const db = new URL(w.h.db.url);
    w.dbProxy = new TcpGate(db.hostname, Number(db.port || 3306), "requests", opts.dbDelayMs ?? 0);
    await w.dbProxy.listen();
    w.databaseUrl = w.h.db.url.replace(`@${db.host}/`, `@127.0.0.1:${w.dbProxy.listenPort}/`);
    await w.seed(opts.purges, opts.learners);
    return w;
  }

  private async seed(purges: number, learners: number): Promise<void> {
    const bucket = this.h.bucket!;
    for (let i = 0; i < purges; i++) {
      const { certificate, keys } = await insertPdfCertificate(this.h.ds, bucket.name);
      this.certificates.push({ id: certificate.id, keys });
      // A neighbour beside every 10th certificate's files: it must survive the purge.
      if (i % 10 === 0) this.neighbours.push(keys[1].replace(/Certificate\.pdf\.sig$/, "neighbour.txt"));
    }
    const all = [...this.certificates.flatMap((c) => c.keys), ...this.neighbours];
    for (let i = 0; i < all.length; i += 200) await bucket.put(all.slice(i, i + 200));
    // Every 5th learner has a PDF certificate too: its retirement deletes files through the S3 proxy.
    for (let i = 0; i < learners; i++) this.learners.push(await insertLearner(this.h, { pdf: i % 5 === 0 }));
    if (learners > 0) await requestRetirements(this.h, this.learners.map((l) => l.userId));
    // Every blanking of a certificate's links is logged by the database itself, for the monitor below.
    await this.h.ds.query("CREATE TABLE fault_blank_log (seq INT AUTO_INCREMENT PRIMARY KEY, certificate_id INT NOT NULL)");
    await this.h.ds.query(`CREATE TRIGGER fault_blank BEFORE UPDATE ON certificates_generatedcertificate FOR EACH ROW
      IF OLD.download_uuid <> '' AND NEW.download_uuid = '' THEN INSERT INTO fault_blank_log (certificate_id) VALUES (OLD.id); END IF`);
  }

  get jobs(): number {
    return this.certificates.length + this.learners.length;
  }

  workerEnv(): Record<string, string> {
    return this.h.env({ S3_ENDPOINT: this.endpoint, ...(this.databaseUrl ? { DATABASE_URL: this.databaseUrl } : {}) });
  }

  async startWorker(): Promise<ReturnType<typeof spawnCli>> {
    const child = spawnCli(["worker", "--queues", `${QueueName.CertificatePurge},${QueueName.LearnerRetirement}`, "--concurrency", String(this.concurrency)], { ...this.workerEnv(), LOG_LEVEL: "info" });
    this.workers.push(child);
    const deadline = Date.now() + 30000;
    while (!child.output().includes("worker started")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start: ${child.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return child;
  }

  /** SIGKILL one worker process (a crash at whatever line it was on). */
  async kill(child: ReturnType<typeof spawnCli>): Promise<void> {
    child.kill("SIGKILL");
    await exitOf(child);
    this.deadWorkerLogs.push(child.output());
    this.workers.splice(this.workers.indexOf(child), 1);
  }

  /**
   * The purges: with the producer's full batches (`purge-pdf-certificates --all`: jobs of 250 certificates), or in
   * smaller jobs (the producer's enqueue given slices of ids, as an operator running it per slice would) so that
   * there are enough jobs for ten kills to each find one in flight; then the retirements through `retire-learners`.
   */
  async enqueueAll(): Promise<void> {
    if (this.purgeJobSize >= 250) {
      const purge = await runCliInProcess(["purge-pdf-certificates", "--all"], this.workerEnv());
      if (purge.code !== 0) throw new Error(`purge producer: ${purge.err}`);
    } else {
      const ids = this.certificates.map((c) => c.id);
      for (let i = 0; i < ids.length; i += this.purgeJobSize) await enqueuePurges(this.queues(), ids.slice(i, i + this.purgeJobSize));
    }
    if (this.learners.length > 0) {
      const retire = await runCliInProcess(["retire-learners"], this.workerEnv());
      if (retire.code !== 0) throw new Error(`retirement producer: ${retire.err}`);
    }
  }

  private queues(): QueueSet {
    this.queueSet ??= new QueueSet(this.h.config(), { mode: "service" });
    return this.queueSet;
  }

  /** What is still to do (from the database, read directly, and Redis); undefined while the database is down. */
  async pending(): Promise<Pending | undefined> {
    let jobs = 0;
    for (const name of [QueueName.CertificatePurge, QueueName.LearnerRetirement]) {
      const counts = await this.queues().queue(name).getJobCounts("active", "wait", "delayed", "prioritized");
      jobs += Object.values(counts).reduce((a, b) => a + b, 0);
    }
    try {
      const [{ certificates }] = await this.h.ds.query("SELECT COUNT(*) AS certificates FROM certificates_generatedcertificate WHERE download_uuid <> '' OR download_url <> ''");
      const [{ learners }] = await this.h.ds.query(
        `SELECT COUNT(*) AS learners FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id WHERE r.state_name <> 'COMPLETE'`,
      );
      return { certificates: Number(certificates), learners: Number(learners), jobs };
    } catch {
      return undefined;
    }
  }

  /** Fraction of the work done (certificates and learners together). */
  private doneFraction(p: Pending): number {
    const total = this.certificates.length + this.learners.length;
    return 1 - (p.certificates + p.learners) / total;
  }

  /** Waits until at least `fraction` of the work is done (and some remains): the moment to inject a fault. */
  async waitUntilDone(fraction: number, timeoutMs = 120_000): Promise<Pending> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = await this.pending();
      if (p && this.doneFraction(p) >= fraction) return p;
      if (Date.now() > deadline) throw new Error(`less than ${fraction * 100}% of the work done after ${timeoutMs} ms\n${this.workerLogs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs a fault, recording what was pending when it began and when it ended (read after the service is back). */
  async fault(name: string, atStart: Pending, run: () => Promise<void>): Promise<FaultRecord> {
    const record: FaultRecord = { fault: name, atStart };
    this.faults.push(record);
    await run();
    record.atEnd = await this.pending();
    return record;
  }

  /** Waits until a job of this queue is active (a worker is inside it): the moment to cut a service under it. */
  async waitForActive(queue: QueueName, timeoutMs = 60_000): Promise<Pending> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.queues().queue(queue).getActiveCount()) === 0) {
      if (Date.now() > deadline) throw new Error(`no ${queue} job became active within ${timeoutMs} ms\n${this.workerLogs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return (await this.pending())!;
  }

  /** The worker processes holding an active job now (BullMQ's processedBy is "host:pid"). */
  async busyWorkers(): Promise<Array<ReturnType<typeof spawnCli>>> {
    const pids = new Set<number>();
    for (const name of [QueueName.CertificatePurge, QueueName.LearnerRetirement]) {
      for (const job of await this.queues().queue(name).getActive()) {
        const pid = Number(String(job?.processedBy ?? "").split(":").pop());
        if (pid) pids.add(pid);
      }
    }
    return this.workers.filter((w) => w.pid !== undefined && pids.has(w.pid) && w.output().includes("worker started"));
  }

  /**
   * Checks, as it happens, that no certificate's links are blanked while one of its files still exists: each newly
   * blanked certificate (from the trigger's log) has its 4 keys looked up directly on the real S3 server.
   */
  startMonitor(): void {
    this.monitoring = true;
    this.monitor = (async () => {
      const byId = new Map(this.certificates.map((c) => [c.id, c.keys]));
      while (this.monitoring) {
        try {
          const rows: Array<{ seq: number; certificate_id: number }> = await this.h.ds.query("SELECT seq, certificate_id FROM fault_blank_log WHERE seq > ? ORDER BY seq LIMIT 200", [this.blankLogSeen]);
          for (const row of rows) {
            const found = await Promise.all((byId.get(row.certificate_id) ?? []).map((Key) => this.exists(Key)));
            if (found.some(Boolean)) this.blankedEarly++;
            this.blankLogSeen = row.seq;
          }
          if (rows.length === 200) continue;
        } catch {
          // the database is down in this scenario: look again when it is back
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
  }

  private async exists(Key: string): Promise<boolean> {
    try {
      await this.h.bucket!.s3.send(new HeadObjectCommand({ Bucket: this.h.bucket!.name, Key }));
      return true;
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }

  /**
   * Polls until every certificate is blank, every learner COMPLETE and no job is left waiting, active or delayed (or
   * the bound passes). The queues are part of "done": after a Redis restart, jobs whose completion was lost are
   * re-delivered after the effects already happened and run as no-ops; only jobs still unfinished at the bound are stuck.
   */
  async waitForWork(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const [{ remaining }] = await this.h.ds.query("SELECT COUNT(*) AS remaining FROM certificates_generatedcertificate WHERE download_uuid <> '' OR download_url <> ''");
        const [{ done }] = await this.h.ds.query(
          `SELECT COUNT(*) AS done FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id WHERE r.state_name = 'COMPLETE'`,
        );
        if (Number(remaining) === 0 && Number(done) === this.learners.length && (await withinMs(5000, this.jobsInFlight())) === 0) return true;
      } catch {
        // database or Redis down: keep waiting
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    return false;
  }

  /** Jobs waiting, active, delayed or prioritized on every queue (failed ones are not in flight: figures() counts them). */
  private async jobsInFlight(): Promise<number> {
    let n = 0;
    for (const name of ALL_QUEUES) {
      const counts = await this.queues().queue(name).getJobCounts("active", "wait", "delayed", "prioritized");
      n += Object.values(counts).reduce((a, b) => a + b, 0);
    }
    return n;
  }

  async figures(scenario: string, started: number, notes: string): Promise<Figures> {
    this.monitoring = false;
    await this.monitor;
    const ds = this.h.ds;
    const audit: Array<{ certificate_id: number; n: number }> = await ds.query("SELECT certificate_id, COUNT(*) AS n FROM openedx_workers_pdf_certificate_purge GROUP BY certificate_id");
    const auditById = new Map(audit.map((a) => [Number(a.certificate_id), Number(a.n)]));
    const keysLeft = new Set(await this.h.bucket!.keys());
    let lost = 0;
    let doubled = 0;
    for (const c of this.certificates) {
      const n = auditById.get(c.id) ?? 0;
      if (n === 0 || c.keys.some((k) => keysLeft.has(k))) lost++;
      if (n > 1) doubled++;
    }
    const blankWithFiles = this.certificates.filter((c) => c.keys.some((k) => keysLeft.has(k)) && auditById.has(c.id)).length;
    for (const l of this.learners) {
      const rows = await ds.query(
        "SELECT r.state_name AS state, s.responses FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id WHERE s.user_id = ?",
        [l.userId],
      );
      const moves = transitions(rows[0]?.responses ?? "");
      if (rows[0]?.state !== "COMPLETE") lost++;
      else if (moves.length !== DEFAULT_TRANSITIONS.length || moves.some((m, i) => m !== DEFAULT_TRANSITIONS[i])) doubled++;
    }
    const queues = new QueueSet(this.h.config());
    let stuck = 0;
    try {
      for (const name of ALL_QUEUES) {
        const counts = await queues.queue(name).getJobCounts("failed", "active", "wait", "delayed", "prioritized");
        stuck += Object.values(counts).reduce((a, b) => a + b, 0);
      }
    } finally {
      await queues.close();
    }
    const redis = await dumpPrefix(this.h.prefix);
    const piiInRedis = this.learners.filter((l) => l.pii.some((p) => redis.includes(p))).length;
    const neighboursLost = this.neighbours.filter((k) => !keysLeft.has(k)).length;
    return {
      scenario, jobs: this.jobs, lost, doubled, stuck, blankedEarly: this.blankedEarly + blankWithFiles, neighboursLost, piiInRedis,
      seconds: Math.round((Date.now() - started) / 100) / 10, notes, faults: this.faults,
    };
  }

  workerLogs(): string {
    return [...this.deadWorkerLogs, ...this.workers.map((w) => w.output())].join("\n").slice(-4000);
  }

  async close(): Promise<void> {
    this.monitoring = false;
    await this.monitor?.catch(() => undefined);
    for (const w of [...this.workers]) {
      w.kill("SIGTERM");
      await exitOf(w, 15000).catch(() => w.kill("SIGKILL"));
    }
    await this.queueSet?.close().catch(() => this.queueSet?.connection.disconnect());
    await this.proxy.stop();
    await this.dbProxy?.stop();
    await this.h.close();
  }
}

export function printFigures(f: Figures): void {
  process.stdout.write(
    `      [faults] ${f.scenario}: jobs=${f.jobs} lost=${f.lost} doubled=${f.doubled} stuck=${f.stuck} ` +
      `blanked-before-deleted=${f.blankedEarly} neighbours-deleted=${f.neighboursLost} pii-in-redis=${f.piiInRedis} time=${f.seconds}s${f.notes ? ` (${f.notes})` : ""}\n`,
  );
  const show = (p?: Pending) => (p ? `${p.certificates} certificates + ${p.learners} learners left, ${p.jobs} jobs` : "unknown");
  for (const r of f.faults) process.stdout.write(`        ${r.fault}: at start ${show(r.atStart)}; at end ${show(r.atEnd)}\n`);
}

/** The promise's value, or a rejection after ms (a Redis call must not hold the bounded wait past its bound). */
function withinMs<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
