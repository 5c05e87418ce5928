import { defineSection } from "../section";
import { bool, int, oneOf, text, url, variable } from "../variable";

export interface CoreConfig {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  log: { level: LogLevel; format: "json" | "pretty" };
  worker: { concurrency: number; shutdownTimeoutMs: number; attempts: number; backoffMs: number };
  s3: { endpoint?: string; region: string; forcePathStyle: boolean; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } };
}

/** A plain name, or a name in braces: a Redis Cluster hash tag, so every key of the queues hashes to one slot. */
const QUEUE_PREFIX_PATTERN = /^(?:[A-Za-z0-9_.-]+|\{[A-Za-z0-9_.-]+\})$/;

/** True for a prefix like {oxw}: Redis Cluster hashes only the part in braces, so BullMQ's keys share one slot. */
export function isHashTagged(prefix: string): boolean {
  return /^\{[^{}]+\}$/.test(prefix);
}

const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
type LogLevel = (typeof LOG_LEVELS)[number];
const LOG_FORMATS = ["json", "pretty"] as const;

export const coreSection = defineSection(
  {
    DATABASE_URL: variable(
      url(["mysql:", "mariadb:"]).refine((v) => !URL.canParse(v) || new URL(v).pathname.replace(/^\//, "") !== "", "must name a database, e.g. /edxapp"),
      { description: "MySQL/MariaDB database of the LMS (edxapp), mysql://user:pass@host:port/db", default: "mysql://root@127.0.0.1:3306/edxapp" },
    ),
    REDIS_URL: variable(
      url(["redis:", "rediss:"]).refine((v) => !URL.canParse(v) || /^\/?(\d{1,5})?$/.test(new URL(v).pathname), {
        error: (iss) => `the path must be a database index such as /0, got "${new URL(String(iss.input)).pathname}"`,
      }),
      { description: "Redis holding the BullMQ queues", default: "redis://127.0.0.1:6379/0" },
    ),
    QUEUE_PREFIX: variable(text().refine((v) => QUEUE_PREFIX_PATTERN.test(v), "may only contain letters, digits, '.', '_' and '-', or be such a name in braces ({oxw}, a Redis Cluster hash tag)"), {
      description: "Redis key prefix of every queue (lets several deployments share one Redis); with REDIS_CLUSTER_NODES it must be hash-tagged, e.g. {openedx-workers}, so each queue's keys share a slot",
      default: "openedx-workers",
    }),
    LOG_LEVEL: variable(oneOf(LOG_LEVELS), { description: `Lowest level logged (${LOG_LEVELS.join("|")})`, default: "info" }),
    LOG_FORMAT: variable(oneOf(LOG_FORMATS), { description: `Log line format (${LOG_FORMATS.join("|")})`, default: "json" }),
    WORKER_CONCURRENCY: variable(int({ min: 1, max: 256 }), { description: "Jobs processed at once per queue by one worker process", default: 4 }),
    WORKER_SHUTDOWN_TIMEOUT_MS: variable(int({ min: 0, max: 3_600_000 }), {
      description: "On SIGTERM, how long in-flight jobs may take to finish before the worker exits anyway (they are then retried as stalled)",
      default: 30000,
    }),
    JOB_ATTEMPTS: variable(int({ min: 1, max: 100 }), {
      description:
        "Attempts per job before it fails for good (transient errors only); the default with JOB_BACKOFF_MS and JOB_BACKOFF_MAX_MS retries for ~15 minutes, riding out a 10-minute database or S3 outage",
      default: 12,
    }),
    JOB_BACKOFF_MS: variable(int({ min: 0, max: 3_600_000 }), { description: "First retry delay in ms; doubles on each attempt up to JOB_BACKOFF_MAX_MS", default: 5000 }),
    S3_ENDPOINT: variable(url(["http:", "https:"]), { description: "S3-compatible endpoint (MinIO, Ceph RGW); unset means AWS" }),
    S3_REGION: variable(text(), { description: "S3 region", default: "us-east-1" }),
    S3_FORCE_PATH_STYLE: variable(bool(), { description: "Path-style bucket addressing (needed by MinIO and Ceph RGW)", default: false }),
    AWS_ACCESS_KEY_ID: variable(text(), {
      description: "S3 access key; unset means the AWS SDK's default credential chain (shared profile, instance or task role)",
    }),
    AWS_SECRET_ACCESS_KEY: variable(text(), { description: "S3 secret key, with AWS_ACCESS_KEY_ID", secret: true }),
    AWS_SESSION_TOKEN: variable(text(), { description: "Session token for temporary credentials (optional)", secret: true }),
  },
  (v, checks): CoreConfig => {
    // A static key pair when one is given; otherwise the AWS SDK's default chain (profile, instance role…).
    let credentials: CoreConfig["s3"]["credentials"];
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = v;
    if (accessKeyId && secretAccessKey) credentials = { accessKeyId, secretAccessKey, sessionToken: v.AWS_SESSION_TOKEN };
    else if (accessKeyId || secretAccessKey) {
      checks.problem(accessKeyId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID", `must be set together with ${accessKeyId ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"}`);
    }
    return {
      databaseUrl: v.DATABASE_URL,
      redisUrl: v.REDIS_URL,
      queuePrefix: v.QUEUE_PREFIX,
      log: { level: v.LOG_LEVEL, format: v.LOG_FORMAT },
      worker: { concurrency: v.WORKER_CONCURRENCY, shutdownTimeoutMs: v.WORKER_SHUTDOWN_TIMEOUT_MS, attempts: v.JOB_ATTEMPTS, backoffMs: v.JOB_BACKOFF_MS },
      s3: { endpoint: v.S3_ENDPOINT, region: v.S3_REGION, forcePathStyle: v.S3_FORCE_PATH_STYLE, credentials },
    };
  },
);
