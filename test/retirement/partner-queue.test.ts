import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { insertUser } from "../support/fixtures";
import { waitFor } from "../support/wait";
import { RETIREMENT_ENV, insertLearner, requestRetirements, responsesOf, stateOf } from "./retirement-fixtures";
import { insertLmsRow } from "../support/lms-seed";

/** edx.org's pipeline with upstream's partner queue step, on the database (`LMS.add_to_partner_queue`). */
const ENV = {
  ...RETIREMENT_ENV,
  RETIREMENT_STATES: JSON.stringify(["PENDING", "LOCKING_ACCOUNT", "LOCKING_COMPLETE", "ADDING_TO_PARTNER_QUEUE", "PARTNER_QUEUE_COMPLETE", "RETIRING_LMS", "LMS_COMPLETE", "ERRORED", "ABORTED", "COMPLETE"]),
  RETIREMENT_PIPELINE: JSON.stringify([
    ["LOCKING_ACCOUNT", "LOCKING_COMPLETE", "LMS", "lock_account"],
    ["ADDING_TO_PARTNER_QUEUE", "PARTNER_QUEUE_COMPLETE", "LMS", "add_to_partner_queue"],
    ["RETIRING_LMS", "LMS_COMPLETE", "LMS", "retire_lms"],
  ]),
};

describe("learner retirement: the partner reporting queue (upstream's retirement_partner_queue)", function () {
  this.timeout(60000);
  let h: Harness;
  after(async () => h?.close());

  it("queues a learner with enrollments once, with the original username, email and name; a learner without any is not queued", async () => {
    h = await Harness.create({ env: ENV });
    const enrolled = await insertLearner(h);
    const loner = await insertUser(h.ds);
    await insertLmsRow(h.ds, "auth_userprofile", { user_id: loner.id, name: "Lone Learner" });
    await requestRetirements(h, [enrolled.userId, loner.id], ENV);
    await h.worker({ queues: [QueueName.LearnerRetirement] });
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);
    for (const id of [enrolled.userId, loner.id]) await waitFor("COMPLETE", async () => (await stateOf(h.ds, id)) === "COMPLETE");

    expect(await h.ds.query("SELECT user_id, original_username, original_email, original_name, is_being_processed FROM user_api_userretirementpartnerreportingstatus")).to.deep.equal([
      { user_id: enrolled.userId, original_username: enrolled.pii[0], original_email: enrolled.pii[1], original_name: enrolled.pii[4], is_being_processed: 0 },
    ]);
    expect(await responsesOf(h.ds, enrolled.userId)).to.contain("Ending: PARTNER_QUEUE_COMPLETE with response:\nNone");

    // The step run again (an operator's rewind, a crash re-run) keeps the one row: upstream's get_or_create.
    await h.ds.query(
      "UPDATE user_api_userretirementstatus SET current_state_id = (SELECT id FROM user_api_retirementstate WHERE state_name = 'LOCKING_COMPLETE') WHERE user_id = ?",
      [enrolled.userId],
    );
    expect((await runCliInProcess(["retire-learners", "--states", "LOCKING_COMPLETE"], h.env())).code).to.equal(0);
    await waitFor("COMPLETE again", async () => (await stateOf(h.ds, enrolled.userId)) === "COMPLETE");
    expect(await h.ds.query("SELECT COUNT(*) AS n FROM user_api_userretirementpartnerreportingstatus")).to.deep.equal([{ n: 1 }]);
  });
});
