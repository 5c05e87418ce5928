import { expect } from "chai";
import { silentLogger } from "../../src/logging/logger";
import { CertificateGenerator } from "../../src/services/certificate-generation/certificate-generator";
import { Harness } from "../support/harness";
import { addPrerequisiteCourse, userMilestones } from "../credentials/credentials-fixtures";
import { insertCertificate, insertCourse, insertLearner, setGrade } from "./generation-fixtures";

describe("prerequisite courses: a passing certificate fulfils the course's milestones (fulfill_course_milestone)", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create();
  });
  afterEach(async () => h.close());

  async function generatorWith(env: Record<string, string>): Promise<CertificateGenerator> {
    const ctx = await h.context({ env });
    return new CertificateGenerator(ctx.dataSource, ctx.config.generation, silentLogger(), ctx.certificateSignals);
  }
  const ON = { ENABLE_PREREQUISITE_COURSES: "true" };

  it("writes the milestones_usermilestone row as edx-milestones does, for the courses this one is a prerequisite of", async () => {
    const prerequisite = await insertCourse(h.ds);
    const [next, other] = [await insertCourse(h.ds), await insertCourse(h.ds)];
    const m1 = await addPrerequisiteCourse(h.ds, next, prerequisite);
    const m2 = await addPrerequisiteCourse(h.ds, other, prerequisite);
    const unrelated = await addPrerequisiteCourse(h.ds, prerequisite, next); // the prerequisite itself requires `next`: not fulfilled here
    const learner = await insertLearner(h.ds, prerequisite);
    const before = new Date(Date.now() - 1000);

    await (await generatorWith(ON)).generate(learner, prerequisite);

    const rows = await userMilestones(h.ds, learner);
    expect(rows.map((r) => r.milestone_id)).to.deep.equal([m1, m2]);
    expect(rows.map((r) => r.milestone_id)).not.to.include(unrelated);
    for (const r of rows) {
      expect(r).to.deep.include({ user_id: learner, source: "", collected: null, active: 1 });
      expect((r.created as Date).getTime()).to.equal((r.modified as Date).getTime());
      expect((r.created as Date).getTime()).to.be.greaterThan(before.getTime());
    }
  });

  it("reactivates a soft-deleted link (modified set, created kept), leaves an active one as it is, and writes nothing for a revocation", async () => {
    const prerequisite = await insertCourse(h.ds);
    const milestone = await addPrerequisiteCourse(h.ds, await insertCourse(h.ds), prerequisite);
    const old = new Date("2020-01-01T00:00:00Z");
    const [inactive, active, failing] = [await insertLearner(h.ds, prerequisite), await insertLearner(h.ds, prerequisite), await insertLearner(h.ds, prerequisite, { percent: 0.1, passed: false })];
    const link = `INSERT INTO milestones_usermilestone (created, modified, user_id, source, collected, active, milestone_id) VALUES (?, ?, ?, 'earlier', NULL, ?, ?)`;
    await h.ds.query(link, [old, old, inactive, 0, milestone]);
    await h.ds.query(link, [old, old, active, 1, milestone]);
    await insertCertificate(h.ds, failing, prerequisite, { status: "downloadable" });

    const generator = await generatorWith(ON);
    await generator.generate(inactive, prerequisite);
    await generator.generate(active, prerequisite);
    await generator.markNotPassing(failing, prerequisite);

    const [reactivated] = await userMilestones(h.ds, inactive);
    expect(reactivated).to.deep.include({ active: 1, source: "earlier" });
    expect((reactivated.created as Date).getTime()).to.equal(old.getTime());
    expect((reactivated.modified as Date).getTime()).to.be.greaterThan(old.getTime());
    const [untouched] = await userMilestones(h.ds, active);
    expect((untouched.modified as Date).getTime()).to.equal(old.getTime());
    expect(await userMilestones(h.ds, failing)).to.deep.equal([]);
  });

  it("a chunk of learners gets its rows in the batched write; a later regeneration adds no second row", async () => {
    const prerequisite = await insertCourse(h.ds);
    const milestone = await addPrerequisiteCourse(h.ds, await insertCourse(h.ds), prerequisite);
    const learners = [await insertLearner(h.ds, prerequisite), await insertLearner(h.ds, prerequisite), await insertLearner(h.ds, prerequisite, { percent: 0.3, passed: false })];
    const generator = await generatorWith(ON);

    await generator.generateMany(prerequisite, learners);
    await setGrade(h.ds, learners[2], prerequisite, 0.9, true);
    await generator.generateMany(prerequisite, learners);

    const rows: Array<{ user_id: number; milestone_id: number }> = await h.ds.query(`SELECT user_id, milestone_id FROM milestones_usermilestone ORDER BY user_id`);
    expect(rows).to.deep.equal(learners.map((user_id) => ({ user_id, milestone_id: milestone })));
  });

  it("nothing without ENABLE_PREREQUISITE_COURSES, with MILESTONES_APP off, or when the course's 'fulfills' link is inactive", async () => {
    const prerequisite = await insertCourse(h.ds);
    await addPrerequisiteCourse(h.ds, await insertCourse(h.ds), prerequisite);
    const inactiveCourse = await insertCourse(h.ds);
    await addPrerequisiteCourse(h.ds, await insertCourse(h.ds), inactiveCourse, { fulfilsActive: false });
    const [a, b, c] = [await insertLearner(h.ds, prerequisite), await insertLearner(h.ds, prerequisite), await insertLearner(h.ds, inactiveCourse)];

    await (await generatorWith({})).generate(a, prerequisite);
    await (await generatorWith({ ENABLE_PREREQUISITE_COURSES: "true", MILESTONES_APP: "false" })).generate(b, prerequisite);
    await (await generatorWith(ON)).generate(c, inactiveCourse);

    expect(await h.ds.query(`SELECT * FROM milestones_usermilestone`)).to.deep.equal([]);
    expect(h.config(ON).features.prerequisiteCourses).to.equal(true);
    expect(h.config({ ENABLE_PREREQUISITE_COURSES: "false", MILESTONES_APP: "true" }).features.prerequisiteCourses).to.equal(false);
  });
});
