import { expect } from "chai";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { RETIREMENT_ENV, insertLearner, requestRetirements } from "./retirement-fixtures";

const DEFAULT_TABLE = [
  "PENDING (step 1)", "LOCKING_ACCOUNT (step 11)", "LOCKING_COMPLETE (step 21)", "RETIRING_FORUMS (step 31)", "FORUMS_COMPLETE (step 41)",
  "RETIRING_EMAIL_LISTS (step 51)", "EMAIL_LISTS_COMPLETE (step 61)", "RETIRING_ENROLLMENTS (step 71)", "ENROLLMENTS_COMPLETE (step 81)",
  "RETIRING_NOTES (step 91)", "NOTES_COMPLETE (step 101)", "RETIRING_LMS (step 111)", "LMS_COMPLETE (step 121)", "ERRORED (step 131)",
  "ABORTED (step 141)", "COMPLETE (step 151)",
];

describe("populate-retirement-states", function () {
  this.timeout(30000);
  let h: Harness;
  beforeEach(async () => (h = await Harness.create({ env: RETIREMENT_ENV })));
  afterEach(async () => h.close());
  const run = (args: string[], env: Record<string, string> = {}) => runCliInProcess(["populate-retirement-states", ...args], h.env(env));

  it("creates the 16 states numbered 1, 11, 21, … with dead-end and required flags, prints upstream's report, and is idempotent", async () => {
    const dry = await run(["--dry_run"]);
    expect(dry.code).to.equal(0);
    expect(dry.out.split("\n").slice(0, 6)).to.deep.equal([
      "--- Dry run, no changes will be made ---",
      "States have been synchronized. Differences:",
      `   Added: {${[...DEFAULT_TABLE.map((s) => `'${s.split(" ")[0]}'`)].sort().join(", ")}}`,
      "   Removed: set()",
      "   Remaining: set()",
      "States updated successfully. Current states:",
    ]);
    expect(await h.ds.query("SELECT id FROM user_api_retirementstate")).to.have.length(0);

    const first = await run([]);
    expect(first.code, first.err).to.equal(0);
    expect(first.out.split("\n").slice(5)).to.deep.equal(DEFAULT_TABLE);
    const rows = await h.ds.query("SELECT state_name, state_execution_order, is_dead_end_state, required FROM user_api_retirementstate ORDER BY state_execution_order");
    const flags = (names: string[], column: "is_dead_end_state" | "required") => rows.filter((r: Record<string, number>) => Number(r[column]) === 1).map((r: { state_name: string }) => r.state_name).sort().join() === [...names].sort().join();
    expect(flags(["ERRORED", "ABORTED", "COMPLETE"], "is_dead_end_state")).to.equal(true);
    expect(flags(["PENDING", "ERRORED", "ABORTED", "COMPLETE"], "required")).to.equal(true);

    const again = await run([]);
    expect(again.out).to.contain("   Added: set()\n   Removed: set()\n");
    expect(again.out.split("\n").slice(5)).to.deep.equal(DEFAULT_TABLE);
  });

  it("adds, removes and renumbers states, keeping the ids of remaining ones", async () => {
    await run([]);
    const [pendingBefore] = await h.ds.query("SELECT id FROM user_api_retirementstate WHERE state_name = 'PENDING'");
    const states = JSON.stringify(["PENDING", "RETIRING_LMS_MISC", "LMS_MISC_COMPLETE", "RETIRING_LMS", "LMS_COMPLETE", "ERRORED", "ABORTED", "COMPLETE"]);
    const pipeline = JSON.stringify([["RETIRING_LMS_MISC", "LMS_MISC_COMPLETE", "LMS", "retire_misc"], ["RETIRING_LMS", "LMS_COMPLETE", "LMS", "retire_lms"]]);
    const out = await run([], { RETIREMENT_STATES: states, RETIREMENT_PIPELINE: pipeline });
    expect(out.code, out.err).to.equal(0);
    expect(out.out).to.contain("   Added: {'LMS_MISC_COMPLETE', 'RETIRING_LMS_MISC'}");
    expect(out.out).to.contain("   Removed: {'EMAIL_LISTS_COMPLETE', 'ENROLLMENTS_COMPLETE', 'FORUMS_COMPLETE',");
    expect(out.out.split("\n").slice(5)).to.deep.equal([
      "PENDING (step 1)", "RETIRING_LMS_MISC (step 11)", "LMS_MISC_COMPLETE (step 21)", "RETIRING_LMS (step 31)", "LMS_COMPLETE (step 41)",
      "ERRORED (step 51)", "ABORTED (step 61)", "COMPLETE (step 71)",
    ]);
    const [pendingAfter] = await h.ds.query("SELECT id FROM user_api_retirementstate WHERE state_name = 'PENDING'");
    expect(pendingAfter.id).to.equal(pendingBefore.id);
  });

  it("refuses an invalid list with upstream's message", async () => {
    const bad = await run([], { RETIREMENT_STATES: '["PENDING","COMPLETE","ABORTED","ERRORED"]', RETIREMENT_PIPELINE: "[]" });
    expect(bad.code).to.equal(2, "an empty pipeline is a configuration error");
    const order = await run([], { RETIREMENT_STATES: '["PENDING","RETIRING_LMS","LMS_COMPLETE","COMPLETE","ABORTED","ERRORED"]', RETIREMENT_PIPELINE: '[["RETIRING_LMS","LMS_COMPLETE","LMS","retire_lms"]]' });
    expect(order.code).to.equal(1);
    expect(order.err).to.equal("openedx-workers populate-retirement-states: The last 3 states must be these (in this order): ['ERRORED', 'ABORTED', 'COMPLETE']");
  });

  it("refuses while a learner is being processed, and changes nothing", async () => {
    const learner = await insertLearner(h);
    await requestRetirements(h, [learner.userId]);
    await h.ds.query("UPDATE user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.state_name = 'RETIRING_ENROLLMENTS' SET s.current_state_id = r.id WHERE s.user_id = ?", [learner.userId]);
    const out = await run([], { RETIREMENT_STATES: JSON.stringify(["PENDING", "RETIRING_LMS", "LMS_COMPLETE", "ERRORED", "ABORTED", "COMPLETE"]), RETIREMENT_PIPELINE: '[["RETIRING_LMS","LMS_COMPLETE","LMS","retire_lms"]]' });
    expect(out.code).to.equal(1);
    expect(out.err).to.equal(
      "openedx-workers populate-retirement-states: Users are currently being processed. All users must be in one of these states to run this command: PENDING,ERRORED,ABORTED,COMPLETE",
    );
    expect(await h.ds.query("SELECT id FROM user_api_retirementstate")).to.have.length(16);
  });
});
