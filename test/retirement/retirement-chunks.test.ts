import { expect } from "chai";
import { JobName, QueueName, jobIds } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";
import { DEFAULT_TRANSITIONS, RETIREMENT_ENV, insertLearner, requestRetirements, responsesOf, stateOf, transitions } from "./retirement-fixtures";

/**
 * retire-learners --chunk-size: several learners in one retire-learners-chunk job, their database work batched
 * across the chunk. Each learner keeps the single job's guarantees and outcomes: one that cannot finish in the chunk
 * continues in its own retire-learner job; a chunk run again changes nothing.
 */
describe("learner retirement: chunk jobs", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => h?.close());

  it("enqueues chunks once, retires every learner of them with each move once, and a re-run of a chunk changes nothing", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await insertLearner(h)).userId);
    await requestRetirements(h, ids);
    // RETIREMENT_CHUNK_SIZE is the default (the scheduled retire-learners uses it too); --chunk-size overrides it.
    const first = await runCliInProcess(["retire-learners"], h.env({ RETIREMENT_CHUNK_SIZE: "3" }));
    expect(first.code, first.err).to.equal(0);
    expect(first.out).to.contain("Enqueued 5 learner(s) in retirement chunk jobs of up to 3.");
    const again = await runCliInProcess(["retire-learners", "--chunk-size", "3"], h.env());
    expect(again.out).to.contain("Enqueued 0 learner(s) in retirement chunk jobs of up to 3; 5 already queued or running.");

    const { ctx } = await h.worker({ queues: [QueueName.LearnerRetirement], concurrency: 2 });
    const queue = ctx.queues.queue(QueueName.LearnerRetirement);
    const chunkIds = [jobIds.retireLearnersChunk(ids.slice(0, 3)), jobIds.retireLearnersChunk(ids.slice(3))];
    for (const id of chunkIds) await waitFor(`${id} completed`, async () => (await (await queue.getJob(id))?.getState()) === "completed", { timeoutMs: 30000 });
    for (const id of ids) {
      expect(await stateOf(h.ds, id), `user ${id}`).to.equal("COMPLETE");
      expect(transitions(await responsesOf(h.ds, id)), "each move exactly once").to.deep.equal(DEFAULT_TRANSITIONS);
    }
    expect((await queue.getJob(chunkIds[0]))!.returnvalue).to.deep.include({ learners: 3, retired: 3, handedOn: [] });

    // The same chunk delivered again (a re-delivery after a crash would be the same): every learner is skipped.
    const before = await Promise.all(ids.map((id) => responsesOf(h.ds, id)));
    await ctx.queues.addMany([{ name: JobName.RetireLearnersChunk, data: { userIds: ids.slice(0, 3) }, jobId: chunkIds[0] }], { rerunFinished: true });
    const rerun = async () => {
      const job = await queue.getJob(chunkIds[0]);
      return job !== undefined && (await job.getState()) === "completed" && job.returnvalue?.retired === 0;
    };
    await waitFor("the re-run completed", rerun, { timeoutMs: 30000 });
    expect((await queue.getJob(chunkIds[0]))!.returnvalue).to.deep.include({ learners: 3, retired: 0, skipped: 3 });
    expect(await Promise.all(ids.map((id) => responsesOf(h.ds, id))), "nothing recorded twice").to.deep.equal(before);
  });

  it("a learner that cannot finish in the chunk continues in its own job (here to ERRORED); the others COMPLETE", async () => {
    h = await Harness.create({ bucket: true, env: { ...RETIREMENT_ENV, JOB_ATTEMPTS: "2", JOB_BACKOFF_MS: "50" } });
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await insertLearner(h)).userId);
    const poisoned = ids[1];
    await h.ds.query(
      `CREATE TRIGGER poisoned_learner BEFORE UPDATE ON auth_user FOR EACH ROW
       BEGIN IF NEW.id = ${Number(poisoned)} AND NEW.is_active = 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned learner'; END IF; END`,
    );
    await requestRetirements(h, ids);
    expect((await runCliInProcess(["retire-learners", "--chunk-size", "3"], h.env())).code).to.equal(0);
    const { ctx } = await h.worker({ queues: [QueueName.LearnerRetirement], concurrency: 2 });
    await waitFor("every learner in an end state", async () => {
      const states = await Promise.all(ids.map((id) => stateOf(h.ds, id)));
      return states.every((s) => s === "COMPLETE" || s === "ERRORED");
    }, { timeoutMs: 30000 });

    expect(await stateOf(h.ds, poisoned)).to.equal("ERRORED");
    expect(await responsesOf(h.ds, poisoned)).to.contain("poisoned learner");
    for (const id of [ids[0], ids[2]]) {
      expect(await stateOf(h.ds, id)).to.equal("COMPLETE");
      expect(transitions(await responsesOf(h.ds, id))).to.deep.equal(DEFAULT_TRANSITIONS);
    }
    const queue = ctx.queues.queue(QueueName.LearnerRetirement);
    expect((await queue.getJob(jobIds.retireLearnersChunk(ids)))!.returnvalue).to.deep.include({ learners: 3, retired: 2, handedOn: [poisoned] });
    const own = await queue.getJob(jobIds.retireLearner(poisoned));
    expect(await own!.getState(), "the poisoned learner's own job used its attempts").to.equal("failed");
  });
});
