import type { AppConfig } from "../config";
import { ServiceUnavailableError } from "../errors/service-unavailable-error";
import type { Logger } from "../logging/logger";
import { redisSettings } from "../queues/redis-connections";
import { QueueName } from "../queues/registry";
import { redisWhere } from "../services/health/failure-detail";
import { probeDatabase, probeRedis, probeS3, type ProbeResult } from "../services/health/service-probes";
import { createS3Client } from "../storage/s3";

/**
 * What a worker checks before it takes any job, each within STARTUP_TIMEOUT_MS: Redis answers (and is safe for
 * queues: maxmemory-policy noeviction), the database answers, and S3 answers for the purge bucket when the purge
 * queue is served. Throws a ServiceUnavailableError naming the first service that fails (exit 1, one line).
 */
export async function checkWorkerDependencies(config: AppConfig, queues: QueueName[], logger: Logger): Promise<void> {
  const timeoutMs = config.resilience.startupTimeoutMs;
  const s3Needed = queues.includes(QueueName.CertificatePurge) && !!config.certificates.bucket;
  const s3 = s3Needed ? createS3Client(config) : undefined;
  try {
    const [redis, database, storage] = await Promise.all([
      probeRedis(redisSettings(config), timeoutMs),
      probeDatabase(config.databaseUrl, timeoutMs),
      s3 ? probeS3(s3, config.certificates.bucket!, timeoutMs) : Promise.resolve(undefined),
    ]);
    for (const status of [redis, database, storage] as Array<ProbeResult | undefined>) {
      if (status && !status.ok) throw new ServiceUnavailableError(status.service, status.detail);
    }
    checkRedisPolicy(config, redis.facts, logger);
  } finally {
    s3?.destroy();
  }
}

function checkRedisPolicy(config: AppConfig, facts: Awaited<ReturnType<typeof probeRedis>>["facts"], logger: Logger): void {
  const where = redisWhere(redisSettings(config));
  const mode = config.resilience.redis.maxmemoryPolicyCheck;
  if (mode === "off" || !facts) return;
  if (!facts.configReadable) {
    logger.warn("Redis refuses CONFIG GET; cannot check maxmemory-policy (it must be noeviction) or persistence", { redis: where });
    return;
  }
  if (facts.maxmemoryPolicy !== "noeviction") {
    const detail = `at ${where} has maxmemory-policy ${facts.maxmemoryPolicy}: it may evict queue keys and lose jobs; set it to noeviction (or REDIS_MAXMEMORY_POLICY_CHECK=warn)`;
    if (mode === "refuse") throw new ServiceUnavailableError("Redis", detail);
    logger.warn(`Redis ${detail}`, { redis: where });
  }
  if (facts.appendonly !== "yes") {
    logger.warn("Redis runs without AOF persistence: a restart loses queued jobs and schedules (docs/operating-under-faults.md: Redis in production)", { redis: where });
  }
}
