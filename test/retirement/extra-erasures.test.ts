import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import YAML from "yaml";
import { retiredUsernameFor } from "../../src/domain/retirement/retired-identifiers";
import { QueueName } from "../../src/queues/registry";
import { runCliInProcess } from "../support/cli";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";
import { insertUser } from "../support/fixtures";
import { insertLmsRow } from "../support/lms-seed";
import { RETIREMENT_ENV, requestRetirements, stateOf } from "./retirement-fixtures";

interface LearnerFixture {
  userId: number;
  originalEmail: string;
  /** username, email, first name, last name, full name */
  pii: string[];
}

/** A learner with a profile (what retire_lms's own rename needs); its plugin rows come from seedPluginRows. */
async function insertLearner(h: Harness): Promise<LearnerFixture> {
  const user = await insertUser(h.ds);
  const name = `${user.firstName} ${user.lastName}`;
  await insertLmsRow(h.ds, "auth_userprofile", { user_id: user.id, name });
  return { userId: user.id, originalEmail: user.email, pii: [user.username, user.email, user.firstName, user.lastName, name] };
}

const FORMAT = { usernamePrefix: "retired__user_", emailPrefix: "retired__user_", emailDomain: "retired.invalid", salts: ["old-salt", "test-salt"] };
const SHIPPED = (YAML.parse(fs.readFileSync(path.resolve(__dirname, "../../deploy/retirement-extra-erasures.yml"), "utf8")) as { RETIREMENT_EXTRA_ERASURES: unknown[] }).RETIREMENT_EXTRA_ERASURES;

/** A local plugin table keyed by user id, and another keyed by email, for update and delete entries. */
const LOCAL_ENTRIES = [
  { table: "local_plugin_profile", user_column: "user_id", action: "update", set: { nickname: "", handle: "gone-{retired_username}", verified: false, note: null } },
  { table: "local_plugin_invite", user_column: "email", user_key: "email", action: "delete", set: { message: "" }, step: "retire_misc" },
];

/**
 * The openedx-authz tables as its Django models make them (casbin-django-orm-adapter's CasbinRule, db_table casbin_rule;
 * openedx_authz 0002_initial ExtendedCasbinRule with its OneToOne to CasbinRule), which the 2023-02 dump predates;
 * and two local tables.
 */
async function createPluginTables(h: Harness): Promise<void> {
  await h.ds.query(`CREATE TABLE casbin_rule (id int NOT NULL AUTO_INCREMENT, ptype varchar(255) NOT NULL, v0 varchar(255) NOT NULL, v1 varchar(255) NOT NULL,
    v2 varchar(255) NOT NULL, v3 varchar(255) NOT NULL, v4 varchar(255) NOT NULL, v5 varchar(255) NOT NULL, PRIMARY KEY (id))`);
  await h.ds.query(`CREATE TABLE openedx_authz_extendedcasbinrule (id bigint NOT NULL AUTO_INCREMENT, casbin_rule_key varchar(255) NOT NULL UNIQUE,
    description longtext NULL, created_at datetime(6) NOT NULL, updated_at datetime(6) NOT NULL, metadata json NULL, casbin_rule_id int NOT NULL UNIQUE,
    scope_id bigint NULL, subject_id bigint NULL, PRIMARY KEY (id), CONSTRAINT ext_casbin_fk FOREIGN KEY (casbin_rule_id) REFERENCES casbin_rule (id))`);
  await h.ds.query("CREATE TABLE local_plugin_profile (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id int NOT NULL, nickname varchar(100) NOT NULL, handle varchar(200) NOT NULL, verified tinyint(1) NOT NULL, note varchar(100) NULL)");
  await h.ds.query("CREATE TABLE local_plugin_invite (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(254) NOT NULL, message varchar(200) NOT NULL)");
}

async function seedPluginRows(h: Harness, learner: LearnerFixture): Promise<void> {
  const username = learner.pii[0];
  for (const [role, scope] of [["library_admin", "lib^lib:OrgX:one"], ["course_staff", "course-v1^course-v1:OrgX+C+1"]]) {
    const [rule] = await h.ds.query("INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES ('g', ?, ?, ?, '', '', '') RETURNING id", [`user^${username}`, `role^${role}`, scope]);
    await h.ds.query("INSERT INTO openedx_authz_extendedcasbinrule (casbin_rule_key, created_at, updated_at, casbin_rule_id) VALUES (?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), ?)", [`g,user^${username},role^${role},${scope},`, rule.id]);
  }
  // A policy line ("p") naming the user is not a role assignment: upstream's receiver leaves it.
  await h.ds.query("INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES ('p', ?, 'act^view', 'lib^*', 'allow', '', '')", [`user^${username}`]);
  await h.ds.query("INSERT INTO local_plugin_profile (user_id, nickname, handle, verified, note) VALUES (?, ?, ?, 1, 'vip')", [learner.userId, username, `@${username}`]);
  await h.ds.query("INSERT INTO local_plugin_invite (email, message) VALUES (?, 'welcome back')", [learner.originalEmail]);
}

async function pluginRows(h: Harness): Promise<Record<string, unknown[]>> {
  return {
    casbin: await h.ds.query("SELECT ptype, v0, v1 FROM casbin_rule ORDER BY id"),
    extended: await h.ds.query("SELECT casbin_rule_key FROM openedx_authz_extendedcasbinrule ORDER BY id"),
    profile: await h.ds.query("SELECT user_id, nickname, handle, verified, note FROM local_plugin_profile ORDER BY id"),
    invite: await h.ds.query("SELECT email, message FROM local_plugin_invite ORDER BY id"),
  };
}

describe("RETIREMENT_EXTRA_ERASURES: plugin and local data erased in the built-in steps' transactions", function () {
  this.timeout(90000);
  let h: Harness;
  afterEach(async () => h?.close());

  it("applies the shipped openedx-authz entries and local entries to the learner only, like the built-in erasures", async () => {
    const extra = JSON.stringify([...SHIPPED, ...LOCAL_ENTRIES]);
    h = await Harness.create({ env: { ...RETIREMENT_ENV, RETIREMENT_EXTRA_ERASURES: extra } });
    await createPluginTables(h);
    const learner = await insertLearner(h);
    const bystander = await insertLearner(h);
    await seedPluginRows(h, learner);
    await seedPluginRows(h, bystander);
    const ofBystander = (r: unknown) => JSON.stringify(r).includes(bystander.pii[0]) || JSON.stringify(r).includes(bystander.originalEmail) || (r as { user_id?: number }).user_id === bystander.userId;
    const bystanderRows = (rows: Record<string, unknown[]>) => Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v.filter(ofBystander)]));
    const before = bystanderRows(await pluginRows(h));
    expect(Object.values(before).every((rows) => rows.length > 0), "the bystander has rows in every table").to.equal(true);

    // The worker's start check passes (every table and column exists).
    const start = await runCliInProcess(["worker", "--queues", "learner-retirement", "--until-idle"], h.env());
    expect(start.code, start.err).to.equal(0);

    await requestRetirements(h, [learner.userId]);
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);
    await h.worker({ queues: [QueueName.LearnerRetirement] });
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE", { timeoutMs: 45000 });

    const after = await pluginRows(h);
    const retiredUsername = retiredUsernameFor(learner.pii[0], FORMAT);
    expect(after.casbin.filter((r) => JSON.stringify(r).includes(learner.pii[0])), "only the learner's policy line stays").to.deep.equal([{ ptype: "p", v0: `user^${learner.pii[0]}`, v1: "act^view" }]);
    expect(after.extended.filter((r) => JSON.stringify(r).includes(learner.pii[0]))).to.deep.equal([]);
    expect(after.profile.filter((r) => (r as { user_id: number }).user_id === learner.userId)).to.deep.equal([
      { user_id: learner.userId, nickname: "", handle: `gone-${retiredUsername}`, verified: 0, note: null },
    ]);
    expect(after.invite.filter((r) => (r as { email: string }).email === learner.originalEmail)).to.deep.equal([]);
    expect(bystanderRows(after), "the bystander keeps every row").to.deep.equal(before);
  });

  it("a failure inside retire_lms's transaction leaves all or nothing: the built-in and extra erasures roll back together", async () => {
    const extra = JSON.stringify([...SHIPPED, ...LOCAL_ENTRIES]);
    h = await Harness.create({ env: { ...RETIREMENT_ENV, RETIREMENT_EXTRA_ERASURES: extra, JOB_ATTEMPTS: "1" } });
    await createPluginTables(h);
    const learner = await insertLearner(h);
    await seedPluginRows(h, learner);
    // The last extra erasure of retire_lms (local_plugin_profile's update) fails after the built-ins and the
    // openedx-authz deletes have run in the same transaction.
    await h.ds.query("CREATE TRIGGER fail_profile BEFORE UPDATE ON local_plugin_profile FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'simulated crash'");
    await requestRetirements(h, [learner.userId]);
    const seeded = await pluginRows(h);
    expect((await runCliInProcess(["retire-learners"], h.env())).code).to.equal(0);
    await h.worker({ queues: [QueueName.LearnerRetirement] });
    await waitFor("ERRORED", async () => (await stateOf(h.ds, learner.userId)) === "ERRORED", { timeoutMs: 45000 });

    const rolledBack = await pluginRows(h);
    expect(rolledBack.casbin, "the authz deletes rolled back").to.deep.equal(seeded.casbin);
    expect(rolledBack.extended).to.deep.equal(seeded.extended);
    expect(rolledBack.profile).to.deep.equal(seeded.profile);
    // retire_misc's transaction had committed before (its extra entry too); retire_lms's built-ins rolled back.
    expect(rolledBack.invite).to.deep.equal([]);
    const [user] = await h.ds.query("SELECT u.username, p.name FROM auth_user u JOIN auth_userprofile p ON p.user_id = u.id WHERE u.id = ?", [learner.userId]);
    expect(user).to.deep.equal({ username: learner.pii[0], name: learner.pii[4] });

    await h.ds.query("DROP TRIGGER fail_profile");
    const rewind = await runCliInProcess(["retirement-status", "rewind-errored", "--user-id", String(learner.userId)], h.env());
    expect(rewind.code, rewind.err).to.equal(0);
    await waitFor("COMPLETE", async () => (await stateOf(h.ds, learner.userId)) === "COMPLETE", { timeoutMs: 45000 });
    const done = await pluginRows(h);
    expect(done.extended).to.deep.equal([]);
    expect(done.casbin).to.have.length(1);
    expect((done.profile[0] as { nickname: string }).nickname).to.equal("");
  });

  it("bad entries and unknown tables or columns: exit 2 naming them", async () => {
    h = await Harness.create({ env: RETIREMENT_ENV });
    await createPluginTables(h);
    const shape = await runCliInProcess(["config"], h.env({
      RETIREMENT_EXTRA_ERASURES: JSON.stringify([
        { table: "x", user_column: "user_id" },
        { table: "y`; DROP", user_column: "id", action: "delete" },
        { table: "z", user_column: "user_id", action: "update" },
        { table: "w", user_column: "v0", user_key: "username", user_format: "user^{id}", action: "delete" },
        { table: "v", user_column: "user_id", action: "update", set: { a: "{original_email}" } },
      ]),
    }));
    expect(shape.code).to.equal(2);
    for (const text of ["entry 1 (table x): action", "entry 2 (table y`; DROP): table must be a table or column name", "entry 3 (table z): action update needs set", "entry 4 (table w): user_format must hold {username} exactly once", "entry 5 (table v): set.a has unknown placeholder(s) {original_email}"]) {
      expect(shape.err).to.include(text);
    }
    const schema = await runCliInProcess(["worker", "--queues", "learner-retirement", "--until-idle"], h.env({
      RETIREMENT_EXTRA_ERASURES: JSON.stringify([
        { table: "no_such_plugin_table", user_column: "user_id", action: "delete" },
        { table: "casbin_rule", user_column: "v9", action: "delete", where: { kind: "g" } },
        ...SHIPPED,
      ]),
    }));
    expect(schema.code, schema.out + schema.err).to.equal(2);
    expect(schema.err).to.include("RETIREMENT_EXTRA_ERASURES: entry 1 (table no_such_plugin_table): table no_such_plugin_table does not exist in this database");
    expect(schema.err).to.include("entry 2 (table casbin_rule): column casbin_rule.v9 does not exist");
    expect(schema.err).to.include("entry 2 (table casbin_rule): column casbin_rule.kind does not exist");
    expect(schema.err).to.not.include("entry 3");
    const check = await runCliInProcess(["check-lms-schema", "--queues", "learner-retirement"], h.env({ RETIREMENT_EXTRA_ERASURES: JSON.stringify([{ table: "casbin_rule", user_column: "v9", action: "delete" }]) }));
    expect(check.code).to.equal(2);
    expect(check.out).to.include("error: RETIREMENT_EXTRA_ERASURES entry 1 (table casbin_rule): column casbin_rule.v9 does not exist");
  });
});
