import { pbkdf2Sync } from "node:crypto";
import { expect } from "chai";
import { djangoPasswordHash } from "../../src/domain/accounts/random-password";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { insertUser } from "../support/fixtures";
import { RETIREMENT_ENV, requestRetirements } from "./retirement-fixtures";

/** A learner as auth_user alone holds them (no other LMS rows: cancel touches auth_user and the retirement rows only). */
async function insertLearner(h: Harness): Promise<{ userId: number; originalEmail: string; pii: string[] }> {
  const user = await insertUser(h.ds);
  return { userId: user.id, originalEmail: user.email, pii: [user.username, user.email, user.firstName, user.lastName] };
}

async function userRow(h: Harness, userId: number): Promise<{ email: string; password: string }> {
  const [row] = await h.ds.query("SELECT email, password FROM auth_user WHERE id = ?", [userId]);
  return row;
}

async function retirementRows(h: Harness, userId: number): Promise<{ status: unknown[]; request: unknown[] }> {
  return {
    status: await h.ds.query("SELECT * FROM user_api_userretirementstatus WHERE user_id = ?", [userId]),
    request: await h.ds.query("SELECT * FROM user_api_userretirementrequest WHERE user_id = ?", [userId]),
  };
}

describe("cancel-retirement (the LMS's handle_retirement_cancellation)", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => h?.close());

  it("writes Django's pbkdf2_sha256 format, which Django's own check would accept", async () => {
    const encoded = await djangoPasswordHash("s3cret", "abcdefghijklmnopqrstuv", 1000);
    const [algorithm, iterations, salt, hash] = encoded.split("$");
    expect([algorithm, iterations, salt]).to.deep.equal(["pbkdf2_sha256", "1000", "abcdefghijklmnopqrstuv"]);
    expect(hash).to.equal(pbkdf2Sync("s3cret", salt, 1000, 32, "sha256").toString("base64"));
  });

  it("from PENDING: restores the original email, sets a usable random password, deletes the status and request rows", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    const learner = await insertLearner(h);
    const other = await insertLearner(h);
    await requestRetirements(h, [learner.userId, other.userId]);
    const requested = await userRow(h, learner.userId);
    expect(requested.email, "the request swapped the email").to.not.equal(learner.originalEmail);
    expect(requested.password.startsWith("!"), "and made the password unusable").to.equal(true);
    const otherBefore = { user: await userRow(h, other.userId), rows: await retirementRows(h, other.userId) };

    const run = await runCliInProcess(["cancel-retirement", "--user-id", String(learner.userId)], h.env(RETIREMENT_ENV));
    expect(run.code, run.err).to.equal(0);
    expect(run.out).to.equal(`user ${learner.userId}: retirement request cancelled; email restored, status and request rows deleted (the learner sets a new password through password reset)`);

    const after = await userRow(h, learner.userId);
    expect(after.email).to.equal(learner.originalEmail);
    // Usable (the LMS's password reset refuses "!…" passwords), and a new one: upstream's set_password(generate_password(length=25)).
    expect(after.password).to.match(/^pbkdf2_sha256\$600000\$[A-Za-z0-9]{22}\$[A-Za-z0-9+/]{43}=$/);
    expect(await retirementRows(h, learner.userId)).to.deep.equal({ status: [], request: [] });
    expect({ user: await userRow(h, other.userId), rows: await retirementRows(h, other.userId) }, "the other learner is untouched").to.deep.equal(otherBefore);
    for (const pii of learner.pii) expect(run.out + run.err).to.not.include(pii);
  });

  it("from any other state: exit 1 and nothing changed; without a request: exit 1", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    const learner = await insertLearner(h);
    const never = await insertLearner(h);
    await requestRetirements(h, [learner.userId]);
    for (const state of ["LOCKING_ACCOUNT", "ERRORED", "COMPLETE"]) {
      await h.ds.query("UPDATE user_api_userretirementstatus SET current_state_id = (SELECT id FROM user_api_retirementstate WHERE state_name = ?) WHERE user_id = ?", [state, learner.userId]);
      const before = { user: await userRow(h, learner.userId), rows: await retirementRows(h, learner.userId) };
      const run = await runCliInProcess(["cancel-retirement", "--user-id", String(learner.userId)], h.env(RETIREMENT_ENV));
      expect(run.code, state).to.equal(1);
      expect(run.err).to.include(`can only be cancelled in the PENDING state; the learner is in ${state}`);
      expect({ user: await userRow(h, learner.userId), rows: await retirementRows(h, learner.userId) }, state).to.deep.equal(before);
    }
    const none = await runCliInProcess(["cancel-retirement", "--user-id", String(never.userId)], h.env(RETIREMENT_ENV));
    expect(none.code).to.equal(1);
    expect(none.err).to.include(`user ${never.userId} has no retirement request`);
    expect((await runCliInProcess(["cancel-retirement"], h.env(RETIREMENT_ENV))).code, "no --user-id").to.equal(2);
  });
});
