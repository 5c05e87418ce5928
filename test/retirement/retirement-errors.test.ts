import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";
import { DEFAULT_TRANSITIONS, RETIREMENT_ENV, insertLearner, requestRetirements, responsesOf, stateOf, transitions } from "./retirement-fixtures";

describe("learner retirement: failures, recovery and operator moves", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => h?.close());

  it("a step that fails permanently leaves ERRORED with the reason; rewind-errored resumes it to COMPLETE without repeating earlier steps", async () => {
    h = await Harness.create({ bucket: true, env: RETIREMENT_ENV });
    const learner = await insertLearner(h, { pdf: true });
    const certificateId = learner.certificateIds[0];
    const goodUrl: string = (await h.ds.query("SELECT download_url FROM certificates_generatedcertificate WHERE id = ?", [certificateId]))[0].download_url;
    // a link outside CERTIFICATES_DOWNLOAD_URL_BASES: the purge at the end of retire_lms refuses it permanently
    await h.ds.query("UPDATE certificates_generatedcertificate SET download_url = REPLACE(download_url, 's3.amazonaws.com', 'evil.example.com') WHERE id = ?", [certificateId]);
    await requestRetirements(h, [learner.userId]);
    await h.worker({ queues: [QueueName.LearnerRetirement] });
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);

    await waitFor("ERRORED", async () => (await stateOf(h.ds, learner.userId)) === "ERRORED");
    const errored = await responsesOf(h.ds, learner.userId);
    expect(transitions(errored).slice(-2)).to.deep.equal(["ENROLLMENTS_COMPLETE -> RETIRING_LMS", "RETIRING_LMS -> ERRORED"]);
    expect(errored).to.contain(`Error in RETIRING_LMS: certificate ${certificateId}: refusing to purge: `);
    expect(await h.bucket!.keys(), "nothing deleted").to.deep.equal([...learner.pdfKeys].sort());
    // the refusal comes last: every database erasure of retire_lms is already done
    const [user] = await h.ds.query("SELECT username, first_name FROM auth_user WHERE id = ?", [learner.userId]);
    expect(user.username, "retire_lms's DB erasures ran before the PDF purge").to.match(/^retired__user_[0-9a-f]{40}$/);
    expect(user.first_name).to.equal("");
    const [profile] = await h.ds.query("SELECT name FROM auth_userprofile WHERE user_id = ?", [learner.userId]);
    expect(profile.name).to.equal("");

    const status = await runCliInProcess(["retirement-status", "--user-id", String(learner.userId)], h.env());
    expect(status.out).to.contain(`user ${learner.userId}: ERRORED (step 131); last state RETIRING_LMS (step 111)`);

    // without force nothing leaves ERRORED
    const stuck = await runCliInProcess(["retirement-status", "set", "--user-id", String(learner.userId), "--state", "COMPLETE"], h.env());
    expect(stuck.code).to.equal(1);
    expect(stuck.err).to.contain("ERRORED (step 131) is a dead-end state: moving to COMPLETE (step 151) needs force");

    // the operator fixes the cause, then rewinds: back to ENROLLMENTS_COMPLETE, enqueued, finished
    await h.ds.query("UPDATE certificates_generatedcertificate SET download_url = ? WHERE id = ?", [goodUrl, certificateId]);
    const rewind = await runCliInProcess(["retirement-status", "rewind-errored", "--all"], h.env());
    expect(rewind.code, rewind.err).to.equal(0);
    expect(rewind.out).to.contain(`user ${learner.userId}: ERRORED -> ENROLLMENTS_COMPLETE (step 81) (failed in RETIRING_LMS)`);
    expect(rewind.out).to.contain("Enqueued 1 retirement job(s).");
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE");

    const done = transitions(await responsesOf(h.ds, learner.userId));
    expect(done).to.deep.equal([
      ...DEFAULT_TRANSITIONS.slice(0, 7),
      "RETIRING_LMS -> ERRORED",
      "ERRORED -> ENROLLMENTS_COMPLETE",
      "ENROLLMENTS_COMPLETE -> RETIRING_LMS",
      "RETIRING_LMS -> LMS_COMPLETE",
      "LMS_COMPLETE -> COMPLETE",
    ]);
    expect(await h.bucket!.keys()).to.deep.equal([]);
    const [retired] = await h.ds.query("SELECT username, is_active FROM auth_user WHERE id = ?", [learner.userId]);
    expect(retired.username).to.match(/^retired__user_[0-9a-f]{40}$/);
  });

  it("refuses backward and unknown moves with a clear message; --force moves anyway", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    const learner = await insertLearner(h);
    await requestRetirements(h, [learner.userId]);
    const set = (...args: string[]) => runCliInProcess(["retirement-status", "set", "--user-id", String(learner.userId), ...args], h.env());

    const forward = await set("--state", "ENROLLMENTS_COMPLETE");
    expect(forward.code, forward.err).to.equal(0);
    expect(forward.out).to.equal(`user ${learner.userId}: PENDING (step 1) -> ENROLLMENTS_COMPLETE (step 81)`);

    const backward = await set("--state", "LOCKING_COMPLETE");
    expect(backward.code).to.equal(1);
    expect(backward.err).to.equal(
      `openedx-workers retirement-status set: user ${learner.userId}: LOCKING_COMPLETE (step 21) is not after the current state ENROLLMENTS_COMPLETE (step 81): transitions only move forward unless forced`,
    );
    const unknown = await set("--state", "RETIRING_EVERYTHING", "--force");
    expect(unknown.code, "a usage error").to.equal(2);
    expect(unknown.err).to.contain('unknown retirement state "RETIRING_EVERYTHING"; the states are: PENDING, LOCKING_ACCOUNT,');
    expect(await stateOf(h.ds, learner.userId)).to.equal("ENROLLMENTS_COMPLETE");

    const forced = await set("--state", "PENDING", "--force", "--response", "re-run everything");
    expect(forced.code, forced.err).to.equal(0);
    const responses = await responsesOf(h.ds, learner.userId);
    expect(responses).to.contain("\n Moved from ENROLLMENTS_COMPLETE (step 81) to PENDING (step 1):\nre-run everything\n");
    const [row] = await h.ds.query("SELECT r.state_name FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.last_state_id WHERE s.user_id = ?", [learner.userId]);
    expect(row.state_name).to.equal("ENROLLMENTS_COMPLETE");

    const usage = await runCliInProcess(["retirement-status", "bogus"], h.env());
    expect(usage.code).to.equal(2);
    expect(usage.err).to.contain("unexpected argument bogus (subcommands: set, rewind-errored, bulk-update)");
    const help = await runCliInProcess(["retirement-status", "set", "--help"], h.env());
    expect(help.out).to.contain("Usage: openedx-workers retirement-status set --user-id ID --state STATE");
  });

  it("refuses to start a retirement worker with the public salts outside development mode", async () => {
    h = await Harness.create();
    const out = await runCliInProcess(["retire-learners"], h.env({ OPENEDX_WORKERS_DEVELOPMENT_MODE: "false" }));
    expect(out.code).to.equal(2);
    expect(out.err).to.contain("RETIRED_USER_SALTS: the newest salt is upstream's public default");
  });
});
