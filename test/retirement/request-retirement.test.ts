import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { DataSource } from "typeorm";
import { retiredEmailFor, retiredUsernameFor } from "../../src/domain/retirement/retired-identifiers";
import { runCliInProcess, type CliResult } from "../support/cli";
import { hex32, insertUser } from "../support/fixtures";
import { Harness } from "../support/harness";
import { insertAccessToken, insertApplication, insertRefreshToken, seedAccountRows, type AccountRows } from "./deactivation-fixtures";
import { RETIREMENT_ENV } from "./retirement-fixtures";

const FORMAT = { usernamePrefix: "retired__user_", emailPrefix: "retired__user_", emailDomain: "retired.invalid", salts: ["old-salt", "test-salt"] };

interface Learner {
  id: number;
  username: string;
  email: string;
  name: string;
  rows: AccountRows;
}

/** Every table request-retirement may write, whole, for "nothing changed" comparisons. */
const WRITTEN_TABLES = [
  "auth_user",
  "user_api_userretirementrequest",
  "user_api_userretirementstatus",
  "social_auth_usersocialauth",
  "support_historicalusersocialauth",
  "auth_registration",
  "auth_accountrecovery",
  "oauth2_provider_application",
  "oauth2_provider_accesstoken",
  "oauth2_provider_refreshtoken",
  "oauth2_provider_grant",
  "oauth_dispatch_applicationaccess",
  "oauth_dispatch_applicationorganization",
  "oauth_dispatch_restrictedapplication",
];

async function snapshot(ds: DataSource): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of WRITTEN_TABLES) out[table] = await ds.query(`SELECT * FROM \`${table}\` ORDER BY 1`);
  return out;
}

const count = async (ds: DataSource, sql: string, params: unknown[]) => Number((await ds.query(`SELECT COUNT(*) AS n FROM ${sql}`, params))[0].n);

/**
 * `request-retirement` as the LMS makes the request (create_retirement_request_and_deactivate_account), on whatever
 * LMS schema the harness built (`migrate --with-lms-schema`, or the real dump with TEST_LMS_SCHEMA=real).
 */
describe("request-retirement: the LMS's retirement request, row by row", function () {
  this.timeout(60000);
  let h: Harness;
  let otherAppId: number;
  afterEach(async () => h?.close());

  async function learner(): Promise<Learner> {
    const user = await insertUser(h.ds);
    const name = `${user.firstName} ${user.lastName}`;
    await h.ds.query("INSERT INTO auth_userprofile (user_id, name, meta, courseware, language, location) VALUES (?, ?, '', 'course.xml', '', '')", [user.id, name]);
    const rows = await seedAccountRows(h.ds, user.id, user.email, otherAppId);
    return { id: user.id, username: user.username, email: user.email, name, rows };
  }

  async function start(): Promise<void> {
    h = await Harness.create({ env: RETIREMENT_ENV });
    const populate = await runCliInProcess(["populate-retirement-states"], h.env());
    expect(populate.code, populate.err).to.equal(0);
    const owner = await insertUser(h.ds);
    otherAppId = await insertApplication(h.ds, owner.id);
  }

  const cli = (args: string[]): Promise<CliResult> => runCliInProcess(["request-retirement", ...args], h.env());

  function expectNoPii(result: CliResult, ...learners: Learner[]): void {
    for (const l of learners) {
      for (const value of [l.username, l.email, l.name]) expect(`${result.out}\n${result.err}`).not.to.include(value);
    }
  }

  /** Every effect of create_retirement_request_and_deactivate_account on this learner, read back row by row. */
  async function expectRequested(l: Learner): Promise<void> {
    const ds = h.ds;
    const retiredEmail = retiredEmailFor(l.email, FORMAT);
    const [status] = await ds.query(
      `SELECT s.original_username, s.original_email, s.original_name, s.retired_username, s.retired_email, s.responses,
              c.state_name AS current_state, p.state_name AS last_state
       FROM user_api_userretirementstatus s JOIN user_api_retirementstate c ON c.id = s.current_state_id JOIN user_api_retirementstate p ON p.id = s.last_state_id
       WHERE s.user_id = ?`,
      [l.id],
    );
    expect(status).to.deep.equal({
      original_username: l.username,
      original_email: l.email,
      original_name: l.name,
      retired_username: retiredUsernameFor(l.username, FORMAT),
      retired_email: retiredEmail,
      responses: "Created in state PENDING (step 1) by create_retirement",
      current_state: "PENDING",
      last_state: "PENDING",
    });
    expect(await count(ds, "user_api_userretirementrequest WHERE user_id = ?", [l.id])).to.equal(1);

    const [user] = await ds.query("SELECT username, email, password, is_active FROM auth_user WHERE id = ?", [l.id]);
    expect(user.username, "the username stays until retire_lms").to.equal(l.username);
    expect(user.email, "the email is the retired email at once").to.equal(retiredEmail);
    expect(user.password, "Django's unusable password").to.match(/^![A-Za-z0-9]{40}$/);
    expect(user.is_active, "upstream does not deactivate here").to.equal(1);

    expect(await count(ds, "social_auth_usersocialauth WHERE user_id = ?", [l.id])).to.equal(0);
    const history = await ds.query(
      "SELECT id, provider, uid, extra_data, history_type, history_user_id, history_change_reason FROM support_historicalusersocialauth WHERE user_id = ? ORDER BY id",
      [l.id],
    );
    expect(history, "the deletion recorded, redacted").to.deep.equal(
      l.rows.socialAuthIds.map((id, i) => ({
        id,
        provider: ["google-oauth2", "tpa-saml"][i],
        uid: `redacted-before-delete-${id}@safe.com`,
        extra_data: "{}",
        history_type: "-",
        history_user_id: null,
        history_change_reason: null,
      })),
    );
    expect(await count(ds, "auth_registration WHERE user_id = ?", [l.id]), "activation key").to.equal(0);
    expect(await count(ds, "auth_accountrecovery WHERE user_id = ?", [l.id]), "recovery email").to.equal(0);

    const { appId } = l.rows;
    expect(await count(ds, "oauth2_provider_application WHERE id = ? OR user_id = ?", [appId, l.id]), "the learner's application").to.equal(0);
    for (const table of ["oauth_dispatch_applicationaccess", "oauth_dispatch_restrictedapplication", "oauth_dispatch_applicationorganization"]) {
      expect(await count(ds, `${table} WHERE application_id = ?`, [appId]), table).to.equal(0);
    }
    for (const table of ["oauth2_provider_accesstoken", "oauth2_provider_refreshtoken", "oauth2_provider_grant"]) {
      expect(await count(ds, `${table} WHERE user_id = ? OR application_id = ?`, [l.id, appId]), table).to.equal(0);
    }
  }

  it("a learner by user id: the status row, the retired email, an unusable password, and their links, keys, tokens and recovery email gone; nothing of a bystander's", async () => {
    await start();
    const l = await learner();
    const bystander = await learner();
    // Someone else's tokens tied to the learner's: the ORM deletes what hangs on the learner's application
    // (CASCADE) and only unlinks what merely pointed at the learner's tokens (SET_NULL).
    const onLearnersApp = await insertAccessToken(h.ds, bystander.id, l.rows.appId);
    const pointingAtLearnersToken = await insertRefreshToken(h.ds, bystander.id, otherAppId, await insertAccessToken(h.ds, l.id, otherAppId));
    const fromLearnersRefresh = await insertAccessToken(h.ds, bystander.id, otherAppId, l.rows.refreshTokenId);
    const before = await snapshot(h.ds);

    const result = await cli(["--user-ids", String(l.id)]);
    expect(result.code, result.err).to.equal(0);
    expect(result.out).to.match(new RegExp(`^user ${l.id}: retirement requested \\(status row \\d+, PENDING\\)$`));
    expectNoPii(result, l, bystander);
    await expectRequested(l);

    expect(await count(h.ds, "oauth2_provider_accesstoken WHERE id = ?", [onLearnersApp]), "a token of the learner's application").to.equal(0);
    expect(await h.ds.query("SELECT access_token_id FROM oauth2_provider_refreshtoken WHERE id = ?", [pointingAtLearnersToken])).to.deep.equal([{ access_token_id: null }]);
    expect(await h.ds.query("SELECT source_refresh_token_id FROM oauth2_provider_accesstoken WHERE id = ?", [fromLearnersRefresh])).to.deep.equal([{ source_refresh_token_id: null }]);

    // The bystander's rows, and the other application, are exactly as they were.
    const after = await snapshot(h.ds);
    const unrelated = new Set([onLearnersApp, pointingAtLearnersToken, fromLearnersRefresh]);
    const bystanders = (table: string, rows: unknown[]) =>
      (rows as Array<Record<string, unknown>>).filter((row) => {
        if (table === "auth_user") return row.id === bystander.id;
        if (table === "oauth2_provider_application") return row.id === otherAppId || row.user_id === bystander.id;
        if (table.startsWith("oauth2_provider_") && unrelated.has(Number(row.id))) return false;
        return row.user_id === bystander.id;
      });
    for (const table of WRITTEN_TABLES) expect(bystanders(table, after[table]), table).to.deep.equal(bystanders(table, before[table]));

    const again = await cli(["--user-ids", String(l.id)]);
    expect(again.code).to.equal(0);
    expect(again.out).to.equal(`user ${l.id}: already has a retirement status row; skipped`);
  });

  it("--username with --user-email naming the same user requests them; a pair that does not match exits 1 and changes nothing", async () => {
    await start();
    const a = await learner();
    const b = await learner();
    const before = await snapshot(h.ds);

    const mismatch = await cli(["--username", a.username, "--user-email", b.email]);
    expect(mismatch.code).to.equal(1);
    expect(mismatch.err).to.include("No user has this username with this email address; nothing changed");
    expectNoPii(mismatch, a, b);
    expect(await snapshot(h.ds)).to.deep.equal(before);

    const unknown = await cli(["--username", `nobody_${hex32()}`, "--user_email", a.email]);
    expect(unknown.code).to.equal(1);
    expect(await snapshot(h.ds)).to.deep.equal(before);

    // Upstream's spelling; the lookup compares as the database's collation does (Django's `get` does the same).
    const match = await cli(["--username", a.username, "--user_email", a.email.toUpperCase()]);
    expect(match.code, match.err).to.equal(0);
    expect(match.out).to.match(new RegExp(`^user ${a.id}: retirement requested`));
    expectNoPii(match, a, b);
    await expectRequested(a);
    expect(await count(h.ds, "user_api_userretirementstatus WHERE user_id = ?", [b.id])).to.equal(0);
  });

  it("--user-file: every good line requested, a bad line reported by its number, a summary, exit 1; a second run finds them requested", async () => {
    await start();
    const [a, b, c, stranger] = [await learner(), await learner(), await learner(), await learner()];
    const file = path.join(tmpdir(), `retire-users-${hex32()}.csv`);
    await writeFile(
      file,
      ["username,email", `${a.username},${a.email}`, ` ${b.username} , ${b.email} `, `${stranger.username},${a.email}`, "", "just-one-field", `${c.username},${c.email},extra`].join("\n") + "\n",
    );
    const strangerBefore = await h.ds.query("SELECT * FROM auth_user WHERE id = ?", [stranger.id]);

    const result = await cli(["--user_file", file]);
    expect(result.code).to.equal(1);
    expectNoPii(result, a, b, c, stranger);
    const outLines = result.out.split("\n");
    expect(outLines.slice(0, 3)).to.deep.equal([
      `line 2: user ${a.id}: retirement requested (status row ${outLines[0].match(/status row (\d+)/)![1]}, PENDING)`,
      `line 3: user ${b.id}: retirement requested (status row ${outLines[1].match(/status row (\d+)/)![1]}, PENDING)`,
      `line 7: user ${c.id}: retirement requested (status row ${outLines[2].match(/status row (\d+)/)![1]}, PENDING)`,
    ]);
    expect(outLines[3]).to.equal("5 rows: 3 requested, 0 already requested, 2 failed (lines 4, 6)");
    expect(result.err.split("\n").filter((line) => line.startsWith("line "))).to.deep.equal([
      "line 4: no user has this username with this email address",
      "line 6: expected username,email",
    ]);
    for (const l of [a, b, c]) await expectRequested(l);
    expect(await count(h.ds, "user_api_userretirementstatus WHERE user_id = ?", [stranger.id])).to.equal(0);
    expect(await h.ds.query("SELECT * FROM auth_user WHERE id = ?", [stranger.id])).to.deep.equal(strangerBefore);
    expect(await count(h.ds, "social_auth_usersocialauth WHERE user_id = ?", [stranger.id])).to.equal(2);

    const rerun = await cli(["--user-file", file]);
    expect(rerun.code).to.equal(1);
    expect(rerun.out.split("\n").at(-1)).to.equal("5 rows: 0 requested, 3 already requested, 2 failed (lines 4, 6)");
    expect(await count(h.ds, "user_api_userretirementstatus WHERE user_id IN (?)", [[a.id, b.id, c.id]])).to.equal(3);
  });

  it("refuses unclear selections with exit 2 and an unreadable file with exit 1, before touching anything", async () => {
    await start();
    const a = await learner();
    const before = await snapshot(h.ds);
    for (const args of [[], ["--username", a.username], ["--user-email", a.email], ["--user-file", "x.csv", "--username", a.username, "--user-email", a.email], ["--user-ids", String(a.id), "--user-file", "x.csv"]]) {
      const result = await cli(args);
      expect(result.code, args.join(" ")).to.equal(2);
      expectNoPii(result, a);
    }
    const missing = await cli(["--user-file", path.join(tmpdir(), `absent-${hex32()}.csv`)]);
    expect(missing.code).to.equal(1);
    expect(missing.err).to.include("Error while reading file: ENOENT");
    expect(await snapshot(h.ds)).to.deep.equal(before);
  });
});
