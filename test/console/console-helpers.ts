import { Queue, QueueEvents, UnrecoverableError, Worker } from "bullmq";
import { services } from "../support/services";

/** Puts one job of `name` into the failed state of `queue` (a throw-away worker fails it for good), returns its id. */
export async function makeFailedJob(prefix: string, queue: string, name: string, data: object, jobId: string): Promise<string> {
  const connection = { url: services.redisUrl };
  const q = new Queue(queue, { connection, prefix });
  const events = new QueueEvents(queue, { connection, prefix });
  await events.waitUntilReady();
  const failed = new Promise<void>((resolve) => events.on("failed", ({ jobId: id }) => id === jobId && resolve()));
  const worker = new Worker(queue, async () => {
    throw new UnrecoverableError("made to fail by the test");
  }, { connection: { ...connection, maxRetriesPerRequest: null }, prefix });
  try {
    await q.add(name, data, { jobId, attempts: 1 });
    await failed;
  } finally {
    await worker.close();
    await events.close();
    await q.close();
  }
  return jobId;
}
