import { expect } from "chai";
import { silentLogger } from "../../src/logging/logger";
import { RetirementBatches } from "../../src/services/retirement/retirement-batches";
import { RetirementStatusStore } from "../../src/services/retirement/retirement-status-store";
import { Harness } from "../support/harness";
import { RETIREMENT_ENV, insertLearner, requestRetirements, responsesOf, stateOf, transitions } from "./retirement-fixtures";

/**
 * The moves that RetirementBatches makes for several jobs at once (an HTTP step's record, a two-phase step's last
 * move) must stay compare-and-sets per learner: a learner moved meanwhile, or whose claim is not the caller's, is
 * left alone and its caller told so, while the others move.
 */
describe("learner retirement: batched moves", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => h?.close());

  it("moves, in one locked UPDATE, only the learners still in the expected state (and holding the caller's claim)", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push((await insertLearner(h)).userId);
    await requestRetirements(h, ids);
    const store = new RetirementStatusStore(h.ds);
    const table = await store.states();
    const state = (name: string) => table.find((s) => s.stateName === name)!;
    const batches = new RetirementBatches(h.ds, store, silentLogger(), () => {
      throw new Error("no step runs here");
    });
    // An operator moved one learner meanwhile; another learner's claim (its row's `modified`) is not the caller's.
    expect(await store.compareAndSet(ids[2], state("PENDING"), state("ABORTED"), "aborted by an operator")).to.equal(true);
    const tokens = await store.peekMany(ids);
    const path = [state("PENDING"), state("LOCKING_ACCOUNT")];
    const moved = await Promise.all(ids.map((id, k) => batches.advance(id, path, ["Starting: LOCKING_ACCOUNT"], { modified: k === 4 ? "2001-01-01 00:00:00.000000" : tokens.get(id)!.modified })));

    expect(moved).to.deep.equal([true, true, false, true, false, true]);
    for (const [k, id] of ids.entries()) {
      const expected = k === 2 ? "ABORTED" : k === 4 ? "PENDING" : "LOCKING_ACCOUNT";
      expect(await stateOf(h.ds, id), `user ${id}`).to.equal(expected);
      if (expected === "LOCKING_ACCOUNT") expect(transitions(await responsesOf(h.ds, id)), "the move recorded once").to.deep.equal(["PENDING -> LOCKING_ACCOUNT"]);
    }
  });
});
