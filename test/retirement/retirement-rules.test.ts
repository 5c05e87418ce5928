import { expect } from "chai";
import { loadConfig } from "../../src/config";
import { allRetiredUsernames, retiredEmailFor, retiredUsernameFor, retirementHash } from "../../src/domain/retirement/retired-identifiers";
import { DEFAULT_PIPELINE, isHttpStep, parsePipeline, pipelineProblems, remainingSteps, rewindTarget } from "../../src/domain/retirement/retirement-pipeline";
import { DEFAULT_RETIREMENT_STATES, invalidStatesMessage, planStateTable, type RetirementStateRow } from "../../src/domain/retirement/retirement-states";
import { TransitionRefusedError, checkTransition } from "../../src/domain/retirement/state-transitions";
import { ConfigError } from "../../src/errors/config-error";

const upstream = (salts: string[]) => ({ usernamePrefix: "retired__user_", emailPrefix: "retired__user_", emailDomain: "retired.invalid", salts });
const table: RetirementStateRow[] = planStateTable([], DEFAULT_RETIREMENT_STATES).rows.map((r, i) => ({ id: i + 1, ...r }));

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(TransitionRefusedError);
    return (err as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("retirement rules", () => {
  it("hashes usernames and emails exactly like openedx/user-util's test vectors", () => {
    expect(retiredUsernameFor("TestUser", upstream(["abc", "123"]))).to.equal("retired__user_c84b2046338e5b3c73eabcc9017aa43f61b024ff");
    expect(retiredEmailFor("test@example.com", upstream(["abc", "123"]))).to.equal("retired__user_31c84211358ef30a1c962720dc572055efd956f6@retired.invalid");
    expect(retiredUsernameFor("TestUser", upstream(["abc"]))).to.equal("retired__user_902314d9a081970d3623aab6c60ca3b84b165801");
    expect(retirementHash("testuser", "123"), "the value is lowercased first").to.equal(retirementHash("TestUser", "123"));
    expect(allRetiredUsernames("TestUser", upstream(["abc", "123"]))).to.deep.equal([
      "retired__user_902314d9a081970d3623aab6c60ca3b84b165801",
      "retired__user_c84b2046338e5b3c73eabcc9017aa43f61b024ff",
    ]);
  });

  it("validates RETIREMENT_STATES with upstream's messages, in upstream's order", () => {
    expect(invalidStatesMessage([])).to.equal("settings.RETIREMENT_STATES does not exist or is empty.");
    expect(invalidStatesMessage(["PENDING", "ERRORED", "COMPLETE"])).to.equal(
      "settings.RETIREMENT_STATES (['PENDING', 'ERRORED', 'COMPLETE']) does not contain all required states (PENDING,ERRORED,ABORTED,COMPLETE)",
    );
    expect(invalidStatesMessage(["FOO", "PENDING", "ERRORED", "ABORTED", "COMPLETE"])).to.equal("PENDING must be the first state");
    expect(invalidStatesMessage(["PENDING", "ERRORED", "ABORTED", "COMPLETE", "FOO"])).to.equal(
      "The last 3 states must be these (in this order): ['ERRORED', 'ABORTED', 'COMPLETE']",
    );
    expect(invalidStatesMessage(DEFAULT_RETIREMENT_STATES)).to.equal(undefined);
  });

  it("allows forward moves and skips, refuses backward, same-state, unknown and dead-end moves unless forced", () => {
    const s = (name: string) => table.find((t) => t.stateName === name)!;
    expect(checkTransition(table, s("PENDING"), "COMPLETE", false).stateName).to.equal("COMPLETE");
    expect(refusal(() => checkTransition(table, s("ENROLLMENTS_COMPLETE"), "LOCKING_ACCOUNT", false))).to.equal(
      "LOCKING_ACCOUNT (step 11) is not after the current state ENROLLMENTS_COMPLETE (step 81): transitions only move forward unless forced",
    );
    expect(refusal(() => checkTransition(table, s("LOCKING_ACCOUNT"), "LOCKING_ACCOUNT", false))).to.contain("is not after the current state");
    expect(refusal(() => checkTransition(table, s("PENDING"), "RETIRING_EVERYTHING", true))).to.match(/^unknown retirement state "RETIRING_EVERYTHING"; the states are: PENDING, /);
    expect(refusal(() => checkTransition(table, s("ERRORED"), "COMPLETE", false))).to.equal(
      "ERRORED (step 131) is a dead-end state: moving to COMPLETE (step 151) needs force (see retirement-status rewind-errored)",
    );
    expect(checkTransition(table, s("COMPLETE"), "PENDING", true).stateName).to.equal("PENDING");
  });

  it("resumes after the last completed END state, re-runs a step found in its START state, rewinds to the END before a failure", () => {
    const methods = (name: string) => remainingSteps(DEFAULT_PIPELINE, name).map((s) => s.method);
    expect(methods("PENDING")).to.deep.equal(["lock_account", "retirement_retire_forum", "retire_misc", "unenroll", "retirement_retire_notes", "retire_lms"]);
    expect(methods("EMAIL_LISTS_COMPLETE")).to.deep.equal(["unenroll", "retirement_retire_notes", "retire_lms"]);
    expect(methods("RETIRING_ENROLLMENTS")).to.deep.equal(["unenroll", "retirement_retire_notes", "retire_lms"]);
    expect(methods("LMS_COMPLETE")).to.deep.equal([]);
    expect(rewindTarget(DEFAULT_PIPELINE, table, "RETIRING_LMS")).to.equal("NOTES_COMPLETE");
    expect(rewindTarget(DEFAULT_PIPELINE, table, "LOCKING_ACCOUNT")).to.equal("PENDING");
    expect(rewindTarget(DEFAULT_PIPELINE, table, "LMS_COMPLETE"), "failed on the way to COMPLETE").to.equal("LMS_COMPLETE");
  });

  it("validates the pipeline: 4-item rows, known methods, states present and in the table's order", () => {
    const names = DEFAULT_RETIREMENT_STATES;
    const { problems } = parsePipeline([["RETIRING_FORUMS", "FORUMS_COMPLETE", "FORUMS", "retire_forum"], ["A", "B"], ["RETIRING_EMAIL_LISTS", "EMAIL_LISTS_COMPLETE", "LMS", "retirement_retire_mailings"]]);
    expect(problems[0]).to.match(/^row 1: FORUMS.retire_forum is not a known method; known: LMS.lock_account, /);
    expect(problems[1]).to.equal('row 2 must be [START_STATE, END_STATE, SERVICE, METHOD] (4 non-empty strings), got ["A","B"]');
    expect(problems[2]).to.contain("was removed upstream (DEPR-8)");
    const upstreamNames = parsePipeline([["RETIRING_LMS", "LMS_COMPLETE", "LMS", "retirement_lms_retire"]]);
    expect(upstreamNames.problems, "upstream's names are its HTTP methods").to.deep.equal([]);
    expect(isHttpStep(upstreamNames.steps[0])).to.equal(true);
    expect(isHttpStep({ startState: "RETIRING_LMS", endState: "LMS_COMPLETE", service: "LMS", method: "retire_lms" })).to.equal(false);
    const reordered = parsePipeline([["RETIRING_LMS", "LMS_COMPLETE", "LMS", "retire_lms"], ["RETIRING_ENROLLMENTS", "ENROLLMENTS_COMPLETE", "LMS", "unenroll"], ["RETIRING_X", "X_COMPLETE", "LMS", "unenroll"]]).steps;
    expect(pipelineProblems(reordered, names, "RETIREMENT_STATES")).to.deep.equal([
      "row 2: state RETIRING_ENROLLMENTS comes before LMS_COMPLETE in RETIREMENT_STATES; the pipeline must keep the table's order",
      "row 3: state RETIRING_X is not in RETIREMENT_STATES",
      "row 3: state X_COMPLETE is not in RETIREMENT_STATES",
    ]);
  });

  it("refuses a bad pipeline at start, and public salts for retirement unless in development mode", () => {
    const base = { RETIRED_USER_SALTS: '["secret"]' };
    expect(() => loadConfig({ ...base, RETIREMENT_PIPELINE: '[["RETIRING_NOTES","NOTES_COMPLETE","NOTES","retire_notes"]]' })).to.throw(
      ConfigError,
      /RETIREMENT_PIPELINE: row 1: NOTES.retire_notes is not a known method/,
    );
    expect(() => loadConfig({ RETIREMENT_PIPELINE: "not json" })).to.throw(ConfigError, /RETIREMENT_PIPELINE: must be a JSON array/);
    const required = { require: ["RETIRED_USER_SALTS"] };
    expect(() => loadConfig({}, required)).to.throw(ConfigError, /RETIRED_USER_SALTS: the newest salt is upstream's public default \("123"\)/);
    expect(() => loadConfig({ RETIRED_USER_SALTS: "abc,123" }, required)).to.throw(ConfigError, /public default/);
    expect(loadConfig({ RETIRED_USER_SALTS: "abc,123,rotated" }, required).retirement.salts).to.deep.equal(["abc", "123", "rotated"]);
    expect(loadConfig({ OPENEDX_WORKERS_DEVELOPMENT_MODE: "true" }, required).retirement.salts).to.deep.equal(["abc", "123"]);
    expect(loadConfig({}).retirement.pipeline.map((s) => s.method), "commands that do not retire are not blocked").to.deep.equal([
      "lock_account", "retirement_retire_forum", "retire_misc", "unenroll", "retirement_retire_notes", "retire_lms",
    ]);
  });
});
