/**
 * Organizations backfill on the real services: N course runs (default 20,000) over N/40 orgs, a tenth of them
 * spelled in two cases, with some organizations and linkages already there (a third of those inactive). Times
 * `backfill-organizations --dry`, `--apply` (through the queue, one worker process at WORKER_CONCURRENCY 4) and a
 * second `--apply` that finds nothing to do. Prints figures; asserts nothing. `npm run bench:organizations -- 20000`
 */
import "../src/cli/quiet-warnings";
import { QueueName } from "../src/queues/registry";
import { insertCourseRuns, insertLinkage, insertOrganization } from "../test/organizations/organization-fixtures";
import { runCliInProcess } from "../test/support/cli";
import { Harness } from "../test/support/harness";

const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

async function run(count: number, chunkSize: number): Promise<void> {
  const h = await Harness.create({ env: { ORGANIZATIONS_BACKFILL_CHUNK_SIZE: String(chunkSize), WORKER_CONCURRENCY: "4" } });
  try {
    const orgCount = Math.max(1, Math.floor(count / 40));
    const org = (i: number) => (i % 10 === 0 && i % 20 !== 0 ? `org${i % orgCount}`.toUpperCase() : `Org${i % orgCount}`);
    const runs = Array.from({ length: count }, (_, i) => `course-v1:${org(i)}+Course${i}+Run`);
    await insertCourseRuns(h.ds, runs);
    for (let o = 0; o < orgCount; o += 10) {
      const id = await insertOrganization(h.ds, `org${o}`, { active: o % 30 !== 0 });
      await insertLinkage(h.ds, id, runs[o], o % 30 !== 0);
    }
    const env = h.env();
    await h.worker({ queues: [QueueName.Organizations], concurrency: 4 });

    let t = process.hrtime.bigint();
    const dry = await runCliInProcess(["backfill-organizations", "--dry"], env);
    const dryMs = ms(t);
    t = process.hrtime.bigint();
    const apply = await runCliInProcess(["backfill-organizations", "--apply"], env);
    const applyMs = ms(t);
    t = process.hrtime.bigint();
    const again = await runCliInProcess(["backfill-organizations", "--apply"], env);
    const againMs = ms(t);
    if (apply.code !== 0 || again.code !== 0) throw new Error(`backfill failed:\n${apply.err}\n${again.err}`);
    const [{ orgs, links }] = await h.ds.query(
      "SELECT (SELECT COUNT(*) FROM organizations_organization) AS orgs, (SELECT COUNT(*) FROM organizations_organizationcourse) AS links",
    );
    const created = (out: string) => out.split("\n").filter((l) => /^(Created|Will create) /.test(l)).join("; ");
    console.log(
      `course runs=${count} chunk=${chunkSize} (${Math.ceil(count / chunkSize)} jobs)  --dry ${dryMs.toFixed(0).padStart(6)} ms  ` +
        `--apply ${applyMs.toFixed(0).padStart(6)} ms (${Math.round((count / applyMs) * 1000)} course runs/s)  second --apply ${againMs.toFixed(0).padStart(6)} ms  ` +
        `rows: ${orgs} organizations, ${links} linkages  [${created(apply.out)}] [second: ${created(again.out)}] [dry: ${created(dry.out)}]`,
    );
  } finally {
    await h.close();
  }
}

(async () => {
  const count = Number(process.argv[2] ?? 20000);
  for (const chunkSize of [250, 1000, 5000]) await run(count, chunkSize);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
