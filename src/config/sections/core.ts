import type { ConfigSource } from "../config-source";

export interface CoreConfig {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  log: { level: LogLevel; format: "json" | "pretty" };
  worker: { concurrency: number; shutdownTimeoutMs: number; attempts: number; backoffMs: number };
  s3: { endpoint?: string; region: string; forcePathStyle: boolean; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } };
}

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function readCoreConfig(src: ConfigSource): CoreConfig {
  const databaseUrl =
    src.url("DATABASE_URL", "MySQL/MariaDB database of the LMS (edxapp), mysql://user:pass@host:port/db", ["mysql:", "mariadb:"],
      "mysql://root@127.0.0.1:3306/edxapp") ?? "";
  if (databaseUrl && !new URL(databaseUrl).pathname.replace(/^\//, "")) src.problem("DATABASE_URL", "must name a database, e.g. /edxapp");
  const redisUrl = src.url("REDIS_URL", "Redis holding the BullMQ queues", ["redis:", "rediss:"], "redis://127.0.0.1:6379/0") ?? "";
  if (redisUrl && !/^\/?(\d{1,5})?$/.test(new URL(redisUrl).pathname)) src.problem("REDIS_URL", `the path must be a database index such as /0, got "${new URL(redisUrl).pathname}"`);
  const queuePrefix = src.string("QUEUE_PREFIX", "Redis key prefix of every queue (lets several deployments share one Redis)", {
    default: "openedx-workers",
  });
  if (!/^[A-Za-z0-9_.-]+$/.test(queuePrefix)) src.problem("QUEUE_PREFIX", "may only contain letters, digits, '.', '_' and '-'");

  return {
    databaseUrl,
    redisUrl,
    queuePrefix,
    log: {
      level: src.oneOf("LOG_LEVEL", "Lowest level logged", LOG_LEVELS, "info"),
      format: src.oneOf("LOG_FORMAT", "Log line format", ["json", "pretty"] as const, "json"),
    },
    worker: {
      concurrency: src.int("WORKER_CONCURRENCY", "Jobs processed at once per queue by one worker process", { default: 4, min: 1, max: 256 }),
      shutdownTimeoutMs: src.int("WORKER_SHUTDOWN_TIMEOUT_MS", "On SIGTERM, how long in-flight jobs may take to finish before the worker exits anyway (they are then retried as stalled)", { default: 30000, min: 0, max: 3_600_000 }),
      attempts: src.int("JOB_ATTEMPTS", "Attempts per job before it fails for good (transient errors only); the default with JOB_BACKOFF_MS and JOB_BACKOFF_MAX_MS retries for ~15 minutes, riding out a 10-minute database or S3 outage", { default: 12, min: 1, max: 100 }),
      backoffMs: src.int("JOB_BACKOFF_MS", "First retry delay in ms; doubles on each attempt up to JOB_BACKOFF_MAX_MS", { default: 5000, min: 0, max: 3_600_000 }),
    },
    s3: {
      endpoint: src.url("S3_ENDPOINT", "S3-compatible endpoint (MinIO, Ceph RGW); unset means AWS", ["http:", "https:"]),
      region: src.string("S3_REGION", "S3 region", { default: "us-east-1" }),
      forcePathStyle: src.bool("S3_FORCE_PATH_STYLE", "Path-style bucket addressing (needed by MinIO and Ceph RGW)", false),
      credentials: readS3Credentials(src),
    },
  };
}

/** A static key pair when one is given (env or YAML); otherwise the AWS SDK's default chain (profile, instance role…). */
function readS3Credentials(src: ConfigSource): CoreConfig["s3"]["credentials"] {
  const accessKeyId = src.string("AWS_ACCESS_KEY_ID", "S3 access key; unset means the AWS SDK's default credential chain (shared profile, instance or task role)");
  const secretAccessKey = src.string("AWS_SECRET_ACCESS_KEY", "S3 secret key, with AWS_ACCESS_KEY_ID", { secret: true });
  const sessionToken = src.string("AWS_SESSION_TOKEN", "Session token for temporary credentials (optional)", { secret: true });
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    src.problem(accessKeyId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID", "must be set together with " + (accessKeyId ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"));
    return undefined;
  }
  return { accessKeyId, secretAccessKey, sessionToken };
}
