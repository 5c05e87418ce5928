import { expect } from "chai";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { insertUser } from "../support/fixtures";
import { RETIREMENT_ENV, requestRetirements, responsesOf, stateOf } from "./retirement-fixtures";

const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

async function place(h: Harness, userId: number, state: string, last: string, createdDaysAgo: number): Promise<void> {
  await h.ds.query(
    `UPDATE user_api_userretirementstatus SET current_state_id = (SELECT id FROM user_api_retirementstate WHERE state_name = ?),
       last_state_id = (SELECT id FROM user_api_retirementstate WHERE state_name = ?), created = UTC_TIMESTAMP(6) - INTERVAL ? DAY WHERE user_id = ?`,
    [state, last, createdDaysAgo, userId],
  );
}

async function states(h: Harness, ids: number[]): Promise<Array<string | undefined>> {
  return Promise.all(ids.map((id) => stateOf(h.ds, id)));
}

describe("retirement-status bulk-update (upstream's retirement_bulk_status_update.py)", function () {
  this.timeout(90000);
  let h: Harness;
  let ids: number[];
  const cli = (...args: string[]) => runCliInProcess(["retirement-status", "bulk-update", ...args], h.env(RETIREMENT_ENV));

  beforeEach(async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    ids = [];
    for (let i = 0; i < 4; i++) ids.push((await insertUser(h.ds)).id);
    await requestRetirements(h, ids);
    // Two ERRORED learners requested 10 days ago, one ERRORED 3 days ago, one PENDING.
    await place(h, ids[0], "ERRORED", "RETIRING_ENROLLMENTS", 10);
    await place(h, ids[1], "ERRORED", "RETIRING_LMS", 10);
    await place(h, ids[2], "ERRORED", "RETIRING_FORUMS", 3);
    await place(h, ids[3], "PENDING", "PENDING", 10);
  });
  afterEach(async () => h?.close());

  it("--new-state: refuses a move out of a dead end without --force (nobody moved); --dry-run moves nothing; --force moves and records", async () => {
    const refused = await cli("--initial-state", "ERRORED", "--new-state", "PENDING");
    expect(refused.code).to.equal(1);
    expect(refused.err).to.include("ERRORED (step 131) is a dead-end state").and.include("3 learner(s) refused; nobody was moved (--force allows any move)");
    expect(await states(h, ids)).to.deep.equal(["ERRORED", "ERRORED", "ERRORED", "PENDING"]);

    const dry = await cli("--initial-state", "ERRORED", "--new-state", "PENDING", "--force", "--dry-run");
    expect(dry.code, dry.err).to.equal(0);
    expect(dry.out.split("\n")).to.deep.equal([
      ...ids.slice(0, 3).map((id) => `[DRY RUN] user ${id}: ERRORED (step 131) -> PENDING (step 1)`),
      "[DRY RUN] 3 learner(s) would be moved.",
    ]);
    expect(await states(h, ids)).to.deep.equal(["ERRORED", "ERRORED", "ERRORED", "PENDING"]);

    const run = await cli("--initial_state", "ERRORED", "--new_state", "PENDING", "--force");
    expect(run.code, run.err).to.equal(0);
    expect(run.out.split("\n")).to.deep.equal([...ids.slice(0, 3).map((id) => `user ${id}: ERRORED (step 131) -> PENDING (step 1)`), "3 learner(s) moved."]);
    expect(await states(h, ids)).to.deep.equal(["PENDING", "PENDING", "PENDING", "PENDING"]);
    expect(await responsesOf(h.ds, ids[0])).to.include(
      "\n Moved from ERRORED (step 131) to PENDING (step 1):\nSet by openedx-workers retirement-status bulk-update --initial-state ERRORED --new-state PENDING --force\n",
    );
  });

  it("--rewind-state: each learner back to its own last state, with --force; a forward --new-state needs none", async () => {
    const refused = await cli("--initial-state", "ERRORED", "--rewind-state");
    expect(refused.code).to.equal(1);
    expect(await states(h, ids)).to.deep.equal(["ERRORED", "ERRORED", "ERRORED", "PENDING"]);

    const run = await cli("--initial-state", "ERRORED", "--rewind-state", "--force");
    expect(run.code, run.err).to.equal(0);
    expect(await states(h, ids)).to.deep.equal(["RETIRING_ENROLLMENTS", "RETIRING_LMS", "RETIRING_FORUMS", "PENDING"]);

    const forward = await cli("--initial-state", "PENDING", "--new-state", "LOCKING_COMPLETE");
    expect(forward.code, forward.err).to.equal(0);
    expect(forward.out).to.include(`user ${ids[3]}: PENDING (step 1) -> LOCKING_COMPLETE (step 21)`);
    expect(await stateOf(h.ds, ids[3])).to.equal("LOCKING_COMPLETE");
  });

  it("--start-date/--end-date bound the request date as the LMS does (both days included)", async () => {
    const run = await cli("--initial-state", "ERRORED", "--new-state", "ABORTED", "--force", "--start-date", day(11), "--end-date", day(10));
    expect(run.code, run.err).to.equal(0);
    expect(await states(h, ids)).to.deep.equal(["ABORTED", "ABORTED", "ERRORED", "PENDING"]);
    const recent = await cli("--initial-state", "ERRORED", "--new-state", "ABORTED", "--force", "--start-date", day(3));
    expect(recent.code, recent.err).to.equal(0);
    expect(await states(h, ids)).to.deep.equal(["ABORTED", "ABORTED", "ABORTED", "PENDING"]);
  });

  it("refuses bad usage with exit 2, changing nothing", async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    for (const args of [
      ["--initial-state", "ERRORED"],
      ["--initial-state", "ERRORED", "--new-state", "PENDING", "--rewind-state"],
      ["--initial-state", "ERRORED", "--rewind-state", "--end-date", tomorrow],
      ["--initial-state", "ERRORED", "--rewind-state", "--start-date", day(1), "--end-date", day(2)],
      ["--initial-state", "ERRORED", "--rewind-state", "--start-date", "2026-02-30"],
      ["--initial-state", "NOPE", "--rewind-state"],
      ["--new-state", "PENDING"],
    ]) {
      const run = await cli(...args);
      expect(run.code, args.join(" ")).to.equal(2);
    }
    expect(await states(h, ids)).to.deep.equal(["ERRORED", "ERRORED", "ERRORED", "PENDING"]);
  });
});
