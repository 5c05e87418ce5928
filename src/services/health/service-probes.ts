import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { ReplyError } from "ioredis";
import mysql from "mysql2/promise";
import type { ServiceName } from "../../errors/service-unavailable-error";
import { createRedisClient, isCluster, redisUrlAuth, type RedisClient, type RedisConnectionSettings } from "../../queues/redis-connections";
import { describeS3Error, s3ErrorCode, s3HttpStatus } from "../../storage/s3-error";
import { withTimeout } from "../../util/with-timeout";
import { databaseFailureDetail, dbWhere, describeError, redisWhere } from "./failure-detail";

/**
 * Probes of a service by its URL, on a fresh connection, with a short bound and a diagnosis: used at start (the
 * worker refuses to run without its services). `detail` is one line naming what is wrong and where (never a
 * password). Readiness of a running process's own clients is dependency-check.ts.
 */
export interface ProbeResult {
  service: ServiceName;
  ok: boolean;
  detail: string;
  ms: number;
}

interface RedisFacts {
  maxmemoryPolicy?: string;
  appendonly?: string;
  /** CONFIG GET is refused by some managed Redis (ElastiCache): then the facts are unknown. */
  configReadable: boolean;
}

/**
 * Connects without credentials or database, then sends AUTH, SELECT and PING itself: the step that fails says what
 * is wrong (a refused AUTH is the credentials, a refused SELECT the index, a refused PING without a password a
 * server that wants one), never the wording of Redis's reply. A Cluster client authenticates each node it discovers
 * itself (Cluster has only database 0), so there a refusal shows as the connection failing.
 */
export async function probeRedis(settings: RedisConnectionSettings, timeoutMs: number): Promise<ProbeResult & { facts?: RedisFacts }> {
  const started = Date.now();
  const where = redisWhere(settings);
  const cluster = !!settings.clusterNodes?.length;
  const { username, password, db } = cluster ? { username: undefined, password: undefined, db: 0 } : redisUrlAuth(settings.redisUrl);
  const redis = createRedisClient({ ...settings, connectTimeoutMs: timeoutMs }, "cli", {
    lazyConnect: true,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    // AUTH and SELECT are sent below, one step at a time (a Cluster keeps REDIS_URL's credentials for every node).
    ...(cluster ? {} : { username: undefined, password: undefined, db: 0 }),
  });
  let lastError: Error | undefined;
  redis.on("error", (err: Error) => (lastError = err));
  const failed = (what: string, err: unknown) => ({ service: "Redis" as const, ok: false, detail: `at ${where} ${what}: ${describeError(err)}`, ms: Date.now() - started });
  try {
    try {
      await withTimeout(redis.connect(), timeoutMs, "connecting");
    } catch (err) {
      // ioredis rejects connect() with "Connection is closed."; the socket's own error says why.
      return failed("is unreachable", lastError ?? err);
    }
    if (password !== undefined) {
      try {
        await withTimeout(username ? redis.auth(username, password) : redis.auth(password), timeoutMs, "AUTH");
      } catch (err) {
        return failed(err instanceof ReplyError ? "refuses the credentials" : "is unreachable", err);
      }
    }
    if (db !== 0) {
      try {
        await withTimeout(redis.select(db), timeoutMs, "SELECT");
      } catch (err) {
        return failed(err instanceof ReplyError ? "refuses the database index" : "is unreachable", err);
      }
    }
    try {
      await withTimeout(redis.ping(), timeoutMs, "PING");
    } catch (err) {
      // Refused while no password was sent: the server wants one (NOAUTH).
      return failed(err instanceof ReplyError && password === undefined ? "refuses the credentials" : "is unreachable", err);
    }
    const facts = await readFacts(redis, timeoutMs);
    return { service: "Redis", ok: true, detail: `at ${where} answers`, ms: Date.now() - started, facts };
  } finally {
    redis.disconnect();
  }
}

/**
 * maxmemory-policy and appendonly; of a Cluster, every master's, the first unsafe one winning (each master holds
 * some queue's keys, so each must be safe).
 */
async function readFacts(redis: RedisClient, timeoutMs: number): Promise<RedisFacts> {
  const servers = isCluster(redis) ? redis.nodes("master") : [redis];
  const facts: RedisFacts = { configReadable: true };
  try {
    for (const server of servers) {
      const [, policy] = (await withTimeout(server.config("GET", "maxmemory-policy"), timeoutMs, "CONFIG GET")) as string[];
      const [, aof] = (await withTimeout(server.config("GET", "appendonly"), timeoutMs, "CONFIG GET")) as string[];
      if (facts.maxmemoryPolicy === undefined || facts.maxmemoryPolicy === "noeviction") facts.maxmemoryPolicy = policy;
      if (facts.appendonly === undefined || facts.appendonly === "yes") facts.appendonly = aof;
    }
  } catch {
    facts.configReadable = false;
  }
  return facts;
}

export async function probeDatabase(databaseUrl: string, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  let conn: mysql.Connection | undefined;
  try {
    const connecting = mysql.createConnection({ uri: databaseUrl, connectTimeout: timeoutMs });
    connecting.then((c) => (conn = c)).catch(() => undefined);
    conn = await withTimeout(connecting, timeoutMs, "connecting");
    await withTimeout(conn.query("SELECT 1"), timeoutMs, "SELECT 1");
    return { service: "database", ok: true, detail: `at ${dbWhere(databaseUrl)} answers`, ms: Date.now() - started };
  } catch (err) {
    return { service: "database", ok: false, detail: databaseFailureDetail(databaseUrl, err), ms: Date.now() - started };
  } finally {
    conn?.destroy();
  }
}

export async function probeS3(s3: S3Client, bucket: string, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  const abort = new AbortController();
  try {
    // A listing of at most one key rather than HeadBucket: a HEAD answer has no body, so S3's code (InvalidAccessKeyId,
    // SignatureDoesNotMatch, AccessDenied…) would be lost. Both need the same permission (s3:ListBucket).
    await withTimeout(s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }), { abortSignal: abort.signal }), timeoutMs, "ListObjectsV2");
    return { service: "S3", ok: true, detail: `bucket ${bucket} answers`, ms: Date.now() - started };
  } catch (err) {
    abort.abort();
    const status = s3HttpStatus(err);
    const detail =
      status === 404 || s3ErrorCode(err) === "NoSuchBucket"
        ? `bucket ${bucket} does not exist: ${describeS3Error(err)}`
        : status === 403
          ? `refuses access to bucket ${bucket}: ${describeS3Error(err)} (check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`
          : `is unreachable for bucket ${bucket}: ${describeS3Error(err)}`;
    return { service: "S3", ok: false, detail, ms: Date.now() - started };
  }
}
