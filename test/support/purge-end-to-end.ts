import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { exitOf, runCliInProcess, spawnCli } from "./cli";
import { insertPdfCertificate, rawRow } from "./fixtures";
import type { Harness } from "./harness";

/**
 * The purge end to end through the real CLI against whatever Redis `env` leads to (Sentinel, Cluster, TLS): the
 * producer enqueues `count` certificates, `worker --until-idle` (start check included) drains the queue, their
 * links are blank and their files gone, and `queues --json` shows the work completed and nothing failed.
 * `between` runs after the producer (e.g. to look at where the jobs landed).
 */
export async function purgeEndToEnd(h: Harness, env: Record<string, string>, opts: { count?: number; between?: () => Promise<void> } = {}): Promise<void> {
  const fixtures = [];
  for (let i = 0; i < (opts.count ?? 3); i++) fixtures.push(await insertPdfCertificate(h.ds, h.bucket!.name));
  await h.bucket!.put(fixtures.flatMap((f) => f.keys));

  const produced = await runCliInProcess(["purge-pdf-certificates", "--certificate-ids", fixtures.map((f) => f.certificate.id).join(",")], env);
  expect(produced.code, produced.err).to.equal(0);
  expect(produced.out).to.contain(`Enqueued ${fixtures.length} certificate(s)`);
  await opts.between?.();

  const child = spawnCli(["worker", "--queues", QueueName.CertificatePurge, "--until-idle"], { ...env, LOG_LEVEL: "info" });
  expect((await exitOf(child, 60000)).code, child.output()).to.equal(0);
  expect(child.output(), "the start check passed").to.contain("worker started");
  for (const f of fixtures) expect(await rawRow(h.ds, "certificates_generatedcertificate", f.certificate.id)).to.deep.include({ download_url: "", download_uuid: "" });
  expect(await h.bucket!.keys()).to.deep.equal([]);

  const queues = await runCliInProcess(["queues", "--queues", QueueName.CertificatePurge, "--json"], env);
  expect(queues.code, queues.err).to.equal(0);
  const counts = JSON.parse(queues.out)[QueueName.CertificatePurge];
  expect(counts).to.deep.include({ failed: 0, waiting: 0, active: 0 });
  expect(counts.completed, "the batch job(s) completed").to.be.greaterThan(0);
}
