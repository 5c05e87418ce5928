/**
 * PDF purge throughput on the real services: enqueue N certificates (addBulk in chunks), then purge them with one
 * worker process at a few concurrencies. Prints figures; asserts nothing. `npm run bench -- 1000`
 */
import "../src/cli/quiet-warnings";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { enqueuePurges } from "../src/producers/pdf-certificate-purge.producer";
import { QueueName } from "../src/queues/registry";
import { insertPdfCertificate } from "../test/support/fixtures";
import { Harness } from "../test/support/harness";
import { waitFor } from "../test/support/wait";

async function run(count: number, concurrency: number): Promise<void> {
  const h = await Harness.create({ bucket: true });
  try {
    const ids: number[] = [];
    const keys: string[] = [];
    for (let i = 0; i < count; i++) {
      const f = await insertPdfCertificate(h.ds, h.bucket!.name);
      ids.push(f.certificate.id);
      keys.push(...f.keys);
    }
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(keys.slice(i, i + 64).map((Key) => h.bucket!.s3.send(new PutObjectCommand({ Bucket: h.bucket!.name, Key, Body: "x" }))));
    }
    const producer = await h.context();
    let t = process.hrtime.bigint();
    await enqueuePurges(producer.queues, ids);
    const enqueueMs = Number(process.hrtime.bigint() - t) / 1e6;

    t = process.hrtime.bigint();
    await h.worker({ queues: [QueueName.CertificatePurge], concurrency });
    const queue = producer.queues.queue(QueueName.CertificatePurge);
    await waitFor("all purges", async () => (await queue.getJobCounts("completed")).completed === count, { timeoutMs: 600_000, intervalMs: 20 });
    const purgeMs = Number(process.hrtime.bigint() - t) / 1e6;
    const left = (await h.bucket!.keys()).length;
    console.log(
      `certificates=${count} concurrency=${String(concurrency).padStart(2)}  enqueue ${enqueueMs.toFixed(0).padStart(5)} ms (${Math.round((count / enqueueMs) * 1000)} jobs/s)` +
        `  purge ${purgeMs.toFixed(0).padStart(6)} ms (${Math.round((count / purgeMs) * 1000)} certificates/s, ${Math.round(((count * 4) / purgeMs) * 1000)} objects/s, 1 DeleteObjects + 2 SQL round trips each)  objects left=${left}`,
    );
  } finally {
    await h.close();
  }
}

(async () => {
  const count = Number(process.argv[2] ?? 500);
  for (const concurrency of [1, 8, 32]) await run(count, concurrency);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
