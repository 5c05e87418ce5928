import { expect } from "chai";
import { silentLogger } from "../../src/logging/logger";
import { CertificateGenerator } from "../../src/services/certificate-generation/certificate-generator";
import { CertificateEventOutbox } from "../../src/services/event-bus/certificate-event-outbox";
import { Harness } from "../support/harness";
import { chooseVerifiedNameForCertificates, insertVerifiedName } from "../credentials/credentials-fixtures";
import { certificateRow, insertCertificate, insertCourse, insertLearner } from "./generation-fixtures";

describe("the name on a certificate: get_preferred_certificate_name (edx-name-affirmation)", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create();
  });
  afterEach(async () => h.close());

  const generator = (env: Record<string, string> = {}) => new CertificateGenerator(h.ds, h.config(env).generation, silentLogger(), CertificateEventOutbox.off());
  const nameOf = async (userId: number, course: string) => (await certificateRow(h.ds, userId, course))!.name;

  it("is the newest approved verified name of a learner whose newest config chose it, else the profile name", async () => {
    const course = await insertCourse(h.ds);
    const hour = 3600_000;
    const t = Date.now() - 10 * hour;
    const learner = (profileName: string) => insertLearner(h.ds, course, { profileName });

    const chose = await learner("Profile Chose");
    await insertVerifiedName(h.ds, chose, "Verified Older", "approved", new Date(t));
    await insertVerifiedName(h.ds, chose, "Verified Newer", "approved", new Date(t + hour));
    await insertVerifiedName(h.ds, chose, "Verified Pending", "pending", new Date(t + 2 * hour));
    await chooseVerifiedNameForCertificates(h.ds, chose, true);

    const changedMind = await learner("Profile Changed Mind");
    await insertVerifiedName(h.ds, changedMind, "Verified Unused", "approved");
    await chooseVerifiedNameForCertificates(h.ds, changedMind, true, new Date(t));
    await chooseVerifiedNameForCertificates(h.ds, changedMind, false, new Date(t + hour));

    const onlyDenied = await learner("Profile Only Denied");
    await insertVerifiedName(h.ds, onlyDenied, "Verified Denied", "denied");
    await chooseVerifiedNameForCertificates(h.ds, onlyDenied, true);

    const neverChose = await learner("Profile Never Chose");
    await insertVerifiedName(h.ds, neverChose, "Verified Not Chosen", "approved");

    const learners = [chose, changedMind, onlyDenied, neverChose];
    await generator().generateMany(course, learners);
    expect(await Promise.all(learners.map((u) => nameOf(u, course)))).to.deep.equal(["Verified Newer", "Profile Changed Mind", "Profile Only Denied", "Profile Never Chose"]);
  });

  it("a revocation writes the preferred name too; with NAME_AFFIRMATION_INSTALLED=false it is always the profile name", async () => {
    const course = await insertCourse(h.ds);
    const failing = await insertLearner(h.ds, course, { profileName: "Profile Failing", percent: 0.1, passed: false });
    await insertCertificate(h.ds, failing, course, { status: "downloadable", name: "Old Name" });
    await insertVerifiedName(h.ds, failing, "Verified Failing", "approved");
    await chooseVerifiedNameForCertificates(h.ds, failing, true);
    const passing = await insertLearner(h.ds, course, { profileName: "Profile Passing" });
    await insertVerifiedName(h.ds, passing, "Verified Passing", "approved");
    await chooseVerifiedNameForCertificates(h.ds, passing, true);

    await generator().markNotPassing(failing, course);
    await generator({ NAME_AFFIRMATION_INSTALLED: "false" }).generate(passing, course);

    expect(await nameOf(failing, course)).to.equal("Verified Failing");
    expect(await nameOf(passing, course)).to.equal("Profile Passing");
  });
});
