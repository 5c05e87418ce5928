import net from "node:net";
import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { enqueuePurges } from "../../src/producers/pdf-certificate-purge.producer";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";

describe("queues command and producer connections", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create();
  });
  afterEach(async () => {
    await h?.close();
  });

  it("shows counts per queue and state, as a table and as JSON", async () => {
    const ctx = await h.context();
    for (const id of [1, 2, 3]) await enqueuePurges(ctx.queues, [id]); // a lone certificate is a job of its own
    const json = await runCliInProcess(["queues", "--json"], h.env());
    expect(json.code).to.equal(0);
    const counts = JSON.parse(json.out);
    expect(counts[QueueName.CertificatePurge]).to.include({ waiting: 3, active: 0, failed: 0, completed: 0 });

    const table = await runCliInProcess(["queues", "--queues", "certificate-purge"], h.env());
    const lines = table.out.split("\n");
    expect(lines[0]).to.match(/^queue\s+waiting\s+active\s+delayed/);
    expect(lines[1]).to.match(/^certificate-purge\s+3\s+0\s+0/);
    expect(lines).to.have.length(2);
  });

  it("refuses an unknown queue name", async () => {
    const result = await runCliInProcess(["queues", "--queues", "nope"], h.env());
    expect(result.code).to.equal(2);
    expect(result.err).to.contain("unknown queue nope");
  });

  it("a producer fails fast with an error when Redis is unreachable", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    const started = Date.now();
    const result = await runCliInProcess(["queues"], h.env({ REDIS_URL: `redis://127.0.0.1:${port}/0` }));
    expect(result.code).to.equal(1);
    expect(result.err).to.match(/ECONNREFUSED|Connection is closed|max retries/i);
    expect(Date.now() - started).to.be.below(20000); // bounded: it gives up instead of waiting forever
  });
});
