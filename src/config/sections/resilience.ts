import fs from "node:fs";
import { defineSection } from "../section";
import { int, oneOf, stringList, text, variable } from "../variable";
import { isHashTagged } from "./core";

/**
 * Time bounds of every network call and of process start and stop, and the Redis safety checks. Each timeout is a
 * retryable failure for a job (it backs off and runs again); at start it is an operational error (exit 1).
 */
export interface ResilienceConfig {
  startupTimeoutMs: number;
  redis: {
    connectTimeoutMs: number;
    maxmemoryPolicyCheck: "refuse" | "warn" | "off";
    /** Redis Sentinel: the sentinels' host:port, the master's name and the sentinels' own password. */
    sentinels?: Array<{ host: string; port: number }>;
    sentinelMaster: string;
    sentinelPassword?: string;
    /** Redis Cluster: some of its nodes (ioredis discovers the rest); the queue prefix is then hash-tagged. */
    clusterNodes?: Array<{ host: string; port: number }>;
    /** CA bundle (PEM file) that signs the server certificate of a rediss:// Redis. */
    tlsCaFile?: string;
  };
  db: { connectTimeoutMs: number; statementTimeoutMs: number; poolSize: number };
  s3: { connectTimeoutMs: number; requestTimeoutMs: number };
  /** Cap of the exponential backoff between attempts; with JOB_ATTEMPTS it sets the retry window. */
  backoffMaxMs: number;
  watchdogMs: number;
  /** Overrides of the per-queue stalled-job policy (src/queues/queue-settings.ts); undefined = the queue's own. */
  stall: { lockDurationMs?: number; stalledIntervalMs?: number; maxStalledCount?: number };
  scheduleCheckIntervalMs: number;
  dependencyCheckIntervalMs: number;
}

/** Node's timers overflow above 2^31-1 ms (then fire at once): every duration is capped at 24 h. */
const DAY_MS = 24 * 3600 * 1000;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const hostPorts = (list: string[] | undefined) =>
  list?.length ? list.map((hp) => ({ host: hp.replace(/:\d+$/, ""), port: Number(hp.replace(/^.*:/, "")) })) : undefined;
const ms = (description: string, def: number, min = 1) => variable(int({ min, max: DAY_MS }), { description, default: def });

export const resilienceSection = defineSection(
  {
    STARTUP_TIMEOUT_MS: ms("How long a long-running command (worker) waits at start for Redis, the database and S3 before exiting 1 with the unreachable service named", 20000, 100),
    REDIS_CONNECT_TIMEOUT_MS: ms("Timeout of one Redis connection attempt, in ms", 5000, 100),
    REDIS_MAXMEMORY_POLICY_CHECK: variable(oneOf(["refuse", "warn", "off"] as const), {
      description: "At start, a Redis whose maxmemory-policy is not noeviction (it may evict queue keys) is refused, only warned about, or not checked (refuse|warn|off)",
      default: "refuse",
    }),
    REDIS_SENTINELS: variable(stringList(HOST_PORT), {
      description: "Redis Sentinel: comma-separated host:port of the sentinels; REDIS_URL then gives only the password and database (its host is ignored); unset = no Sentinel",
    }),
    REDIS_SENTINEL_MASTER: variable(text(), { description: "Redis Sentinel: the name of the monitored master", default: "mymaster" }),
    REDIS_SENTINEL_PASSWORD: variable(text(), { description: "Redis Sentinel: the sentinels' own password (requirepass of the sentinels), if any", secret: true }),
    REDIS_CLUSTER_NODES: variable(stringList(HOST_PORT), {
      description:
        "Redis Cluster: comma-separated host:port of some of its nodes (the others are discovered); REDIS_URL then gives only the password and rediss://; QUEUE_PREFIX must be hash-tagged, e.g. {openedx-workers}; unset = no Cluster",
    }),
    // Read again here (the core section defines and checks it): Cluster mode needs it hash-tagged.
    QUEUE_PREFIX: variable(text(), { description: "Redis key prefix of every queue", default: "openedx-workers" }),
    REDIS_URL: variable(text(), { description: "Redis holding the BullMQ queues", default: "redis://127.0.0.1:6379/0" }),
    REDIS_TLS_CA_FILE: variable(text(), { description: "PEM file of the CA that signs a rediss:// Redis's certificate (default: the system's CAs)" }),
    DB_CONNECT_TIMEOUT_MS: ms("Timeout of one database connection attempt, in ms", 10000, 100),
    DB_STATEMENT_TIMEOUT_MS: ms("Longest a worker's SQL statement may run (MariaDB max_statement_time, MySQL max_execution_time for SELECTs), in ms; 0 = no limit", 60000, 0),
    DB_POOL_SIZE: variable(int({ min: 0, max: 1000 }), {
      description: "Database connections per worker process; 0 = concurrency × queues + 2 (see docs/operating-under-faults.md: database pool sizing)",
      default: 0,
    }),
    S3_CONNECT_TIMEOUT_MS: ms("Timeout of one S3 TCP/TLS connection, in ms", 5000, 100),
    S3_REQUEST_TIMEOUT_MS: ms("Longest an S3 request may wait for its response (a hung endpoint), in ms", 30000, 100),
    JOB_BACKOFF_MAX_MS: ms("Cap of the doubling delay between attempts, in ms (with JOB_ATTEMPTS it sets the retry window; see docs/operating-under-faults.md)", 120000, 0),
    WORKER_WATCHDOG_MS: ms("A worker that takes no job for this long while jobs wait logs it and exits 1 so its supervisor restarts it; 0 = off", 300000, 0),
    WORKER_LOCK_DURATION_MS: ms("Overrides every queue's job lock duration, in ms (how soon a dead worker's job is re-run); 0 = each queue's own (docs/operating-under-faults.md)", 0, 0),
    WORKER_STALLED_INTERVAL_MS: ms("Overrides how often workers look for stalled jobs, in ms; 0 = each queue's own", 0, 0),
    WORKER_MAX_STALLED_COUNT: variable(int({ min: -1, max: 1000 }), {
      description: "Overrides how many times a stalled job is re-run before it fails for good; -1 = each queue's own",
      default: -1,
    }),
    SCHEDULE_CHECK_INTERVAL_MS: ms("How often a worker checks that its job schedulers still exist in Redis (re-creating them after a Redis restart), in ms", 60000, 100),
    DEPENDENCY_CHECK_INTERVAL_MS: ms(
      "How often a running worker checks Redis, the database and S3 (each within HEALTH_CHECK_TIMEOUT_MS): sets openedx_workers_dependency_up and logs 'dependency down' / 'dependency back' when one changes, in ms",
      15000,
      100,
    ),
  },
  (v, checks): ResilienceConfig => {
    const clusterNodes = hostPorts(v.REDIS_CLUSTER_NODES);
    if (v.REDIS_TLS_CA_FILE !== undefined) {
      try {
        fs.accessSync(v.REDIS_TLS_CA_FILE, fs.constants.R_OK);
      } catch (err) {
        checks.problem("REDIS_TLS_CA_FILE", `cannot read ${v.REDIS_TLS_CA_FILE} (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`);
      }
    }
    if (clusterNodes) {
      if (v.REDIS_SENTINELS?.length) checks.problem("REDIS_CLUSTER_NODES", "cannot be used with REDIS_SENTINELS (a Cluster has no Sentinel): set one of them");
      // BullMQ's Lua scripts touch several keys of a queue at once: Cluster refuses them (CROSSSLOT) unless they hash alike.
      if (!isHashTagged(v.QUEUE_PREFIX)) {
        checks.problem("QUEUE_PREFIX", `must be hash-tagged in braces with REDIS_CLUSTER_NODES (e.g. {${v.QUEUE_PREFIX.replace(/[{}]/g, "") || "openedx-workers"}}), so each queue's keys share one Cluster slot`);
      }
      if (URL.canParse(v.REDIS_URL) && !/^\/?0?$/.test(new URL(v.REDIS_URL).pathname)) {
        checks.problem("REDIS_URL", `a Redis Cluster has only database 0, got "${new URL(v.REDIS_URL).pathname}"`);
      }
    }
    return {
      startupTimeoutMs: v.STARTUP_TIMEOUT_MS,
      redis: {
        connectTimeoutMs: v.REDIS_CONNECT_TIMEOUT_MS,
        maxmemoryPolicyCheck: v.REDIS_MAXMEMORY_POLICY_CHECK,
        sentinels: hostPorts(v.REDIS_SENTINELS),
        clusterNodes,
        sentinelMaster: v.REDIS_SENTINEL_MASTER,
        sentinelPassword: v.REDIS_SENTINEL_PASSWORD,
        tlsCaFile: v.REDIS_TLS_CA_FILE,
      },
      db: { connectTimeoutMs: v.DB_CONNECT_TIMEOUT_MS, statementTimeoutMs: v.DB_STATEMENT_TIMEOUT_MS, poolSize: v.DB_POOL_SIZE },
      s3: { connectTimeoutMs: v.S3_CONNECT_TIMEOUT_MS, requestTimeoutMs: v.S3_REQUEST_TIMEOUT_MS },
      backoffMaxMs: v.JOB_BACKOFF_MAX_MS,
      watchdogMs: v.WORKER_WATCHDOG_MS,
      stall: {
        lockDurationMs: v.WORKER_LOCK_DURATION_MS || undefined,
        stalledIntervalMs: v.WORKER_STALLED_INTERVAL_MS || undefined,
        maxStalledCount: v.WORKER_MAX_STALLED_COUNT < 0 ? undefined : v.WORKER_MAX_STALLED_COUNT,
      },
      scheduleCheckIntervalMs: v.SCHEDULE_CHECK_INTERVAL_MS,
      dependencyCheckIntervalMs: v.DEPENDENCY_CHECK_INTERVAL_MS,
    };
  },
);
