import IORedis from "ioredis";
import { QueueName, jobIds } from "../../src/queues/registry";
import { services } from "./services";

/**
 * Lets a retirement job's BullMQ lock lapse now instead of after its 30 s lockDuration, and with it the queue's
 * stalled-check throttle a 30 s worker set: what time does for a dead or stalled worker, without a 30 s test.
 */
export async function expireJobLock(prefix: string, userId: number): Promise<void> {
  const redis = new IORedis(services.redisUrl);
  try {
    const queueKey = `${prefix}:${QueueName.LearnerRetirement}`;
    await redis.del(`${queueKey}:${jobIds.retireLearner(userId)}:lock`, `${queueKey}:stalled-check`);
  } finally {
    redis.disconnect();
  }
}
