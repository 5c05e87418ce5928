import { expect } from "chai";
import { QueueName } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { DOT_OIDC_MIGRATIONS } from "../support/dot-oidc-schema";
import { insertUser } from "../support/fixtures";
import { Harness } from "../support/harness";
import { insertLmsRow } from "../support/lms-seed";
import { RETIREMENT_ENV } from "./retirement-fixtures";

const count = async (h: Harness, sql: string, params: unknown[]) => Number((await h.ds.query(`SELECT COUNT(*) AS n FROM ${sql}`, params))[0].n);

/**
 * request-retirement on an LMS with django-oauth-toolkit's OpenID Connect models (Quince on): edx-platform's 2023-02
 * schema plus DOT's migrations 0003-0004 as Django runs them (test/support/dot-oidc-schema.ts). retire_dot_oauth2_models
 * deletes the learner's applications through the ORM, whose collector deletes each application's ID tokens
 * (IDToken.application: CASCADE) and each of their access tokens (AccessToken.id_token: CASCADE) first.
 */
describe("request-retirement with django-oauth-toolkit's ID tokens (oauth2_provider_idtoken)", function () {
  // Building a real-schema database (497 tables) takes a while on a busy machine.
  this.timeout(180000);
  let h: Harness;
  afterEach(async () => h?.close());

  const application = (ownerId: number) => insertLmsRow(h.ds, "oauth2_provider_application", { user_id: ownerId, client_type: "confidential", authorization_grant_type: "authorization-code", name: "app" });
  const idToken = (userId: number, appId: number) => insertLmsRow(h.ds, "oauth2_provider_idtoken", { user_id: userId, application_id: appId, expires: new Date(Date.now() + 3600_000), scope: "openid" });
  const accessToken = (userId: number, appId: number, idTokenId: number | null) =>
    insertLmsRow(h.ds, "oauth2_provider_accesstoken", { user_id: userId, application_id: appId, id_token_id: idTokenId, expires: new Date(Date.now() + 3600_000), scope: "openid" });
  const refreshToken = (userId: number, appId: number, accessTokenId: number) =>
    insertLmsRow(h.ds, "oauth2_provider_refreshtoken", { user_id: userId, application_id: appId, access_token_id: accessTokenId });

  it("the ID tokens of the learner's applications and their access tokens are deleted as the ORM's CASCADE deletes them; other ID tokens stay", async () => {
    h = await Harness.create({ lmsSchema: "real", env: RETIREMENT_ENV });
    for (const statement of DOT_OIDC_MIGRATIONS) await h.ds.query(statement);
    expect((await runCliInProcess(["populate-retirement-states"], h.env())).code).to.equal(0);

    const learner = (await insertUser(h.ds)).id;
    const bystander = (await insertUser(h.ds)).id;
    const learnersApp = await application(learner);
    const othersApp = await application((await insertUser(h.ds)).id);

    // A bystander signed in to the learner's application: an ID token and its access token.
    const onLearnersApp = await idToken(bystander, learnersApp);
    const itsAccessToken = await accessToken(bystander, learnersApp, onLearnersApp);
    // An access token of another application tied to one of those ID tokens: deleted along (AccessToken.id_token),
    // and a refresh token that pointed at it keeps its row, unlinked (RefreshToken.access_token: SET_NULL).
    const tiedElsewhere = await idToken(bystander, learnersApp);
    const tiedAccessToken = await accessToken(bystander, othersApp, tiedElsewhere);
    const pointingAtTied = await refreshToken(bystander, othersApp, tiedAccessToken);
    // The learner's own ID token at another application: upstream deletes no IDToken by user, so it stays; its
    // access token is the learner's and goes.
    const learnersElsewhere = await idToken(learner, othersApp);
    const learnersAccessToken = await accessToken(learner, othersApp, learnersElsewhere);
    // The bystander's at another application: untouched.
    const bystandersElsewhere = await idToken(bystander, othersApp);
    const bystandersAccessToken = await accessToken(bystander, othersApp, bystandersElsewhere);

    // The start check sees both newer items, so nothing about them is skipped.
    const check = await runCliInProcess(["check-lms-schema", "--queues", QueueName.LearnerRetirement], h.env());
    expect(check.code, check.out).to.equal(0);
    expect(check.out).to.not.include("oauth2_provider_idtoken").and.to.not.include("id_token_id");

    const result = await runCliInProcess(["request-retirement", "--user-ids", String(learner)], h.env());
    expect(result.code, result.err).to.equal(0);
    expect(result.out).to.match(new RegExp(`^user ${learner}: retirement requested`));

    expect(await count(h, "oauth2_provider_application WHERE id = ?", [learnersApp]), "the learner's application").to.equal(0);
    expect(await count(h, "oauth2_provider_idtoken WHERE application_id = ?", [learnersApp]), "its ID tokens").to.equal(0);
    expect(await count(h, "oauth2_provider_accesstoken WHERE id IN (?)", [[itsAccessToken, tiedAccessToken, learnersAccessToken]]), "their access tokens and the learner's").to.equal(0);
    expect(await h.ds.query("SELECT id, access_token_id FROM oauth2_provider_refreshtoken WHERE id = ?", [pointingAtTied])).to.deep.equal([{ id: pointingAtTied, access_token_id: null }]);
    const left = await h.ds.query("SELECT id, user_id, application_id FROM oauth2_provider_idtoken ORDER BY id");
    expect(left).to.deep.equal([
      { id: learnersElsewhere, user_id: learner, application_id: othersApp },
      { id: bystandersElsewhere, user_id: bystander, application_id: othersApp },
    ]);
    expect(await h.ds.query("SELECT id, id_token_id FROM oauth2_provider_accesstoken WHERE id = ?", [bystandersAccessToken])).to.deep.equal([
      { id: bystandersAccessToken, id_token_id: bystandersElsewhere },
    ]);
    expect(await count(h, "user_api_userretirementstatus WHERE user_id = ?", [learner])).to.equal(1);
  });

  it("an LMS before Quince (no ID tokens): check-lms-schema names both newer items as skipped, and the request goes through", async () => {
    h = await Harness.create({ lmsSchema: "real-2023-02", env: RETIREMENT_ENV });
    expect((await runCliInProcess(["populate-retirement-states"], h.env())).code).to.equal(0);
    const learner = (await insertUser(h.ds)).id;
    const app = await application(learner);
    await insertLmsRow(h.ds, "oauth2_provider_accesstoken", { user_id: learner, application_id: app, expires: new Date(), scope: "read" });

    const check = await runCliInProcess(["check-lms-schema", "--queues", QueueName.LearnerRetirement], h.env());
    expect(check.code, check.out).to.equal(0);
    expect(check.out.split("\n").filter((l) => l.includes("oauth2_provider_"))).to.deep.equal([
      "warning: missing oauth2_provider_accesstoken.id_token_id (optional, added in Quince (2023-12)): retirement skips the access tokens of deleted ID tokens: an LMS before Quince has no such link",
      "warning: missing table oauth2_provider_idtoken (optional, added in Quince (2023-12)): retirement skips ID tokens: an LMS before Quince has no OpenID Connect ID tokens to delete with a learner's applications",
    ]);

    const result = await runCliInProcess(["request-retirement", "--user-ids", String(learner)], h.env());
    expect(result.code, result.err).to.equal(0);
    expect(await count(h, "oauth2_provider_application WHERE id = ?", [app])).to.equal(0);
    expect(await count(h, "oauth2_provider_accesstoken WHERE user_id = ?", [learner])).to.equal(0);
  });
});
