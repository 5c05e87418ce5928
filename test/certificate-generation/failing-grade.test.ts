import { expect } from "chai";
import { loadConfig } from "../../src/config";
import { silentLogger } from "../../src/logging/logger";
import { CertificateGenerator } from "../../src/services/certificate-generation/certificate-generator";
import { CertificateEventOutbox } from "../../src/services/event-bus/certificate-event-outbox";
import { Harness } from "../support/harness";
import { busEnv, outboxRows } from "../event-bus/bus-support";
import { allowlist, certificateRow, insertCertificate, insertCourse, insertLearner } from "./generation-fixtures";

/** upstream's COURSE_GRADE_NOW_FAILED handler (signals.py _listen_for_failing_grade), as the consumer runs it. */
describe("failing grade: mark-certificate-notpassing", () => {
  let h: Harness;
  let generator: CertificateGenerator;

  before(async () => {
    h = await Harness.create();
    const config = loadConfig(h.env(busEnv(h.prefix)));
    generator = new CertificateGenerator(h.ds, config.generation, silentLogger(), new CertificateEventOutbox(config.eventBus));
  });
  after(async () => {
    await h.close();
  });

  it("marks a passing certificate notpassing with the enrollment mode and current grade, links blanked, and records a revoked event", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { percent: 0.42, passed: false, mode: "verified" });
    const certId = await insertCertificate(h.ds, user, course, { status: "downloadable", mode: "honor", grade: "0.9", downloadUrl: "https://x/y.pdf", downloadUuid: "abc" });
    const before = (await outboxRows(h.ds)).length;
    const outcome = await generator.markNotPassing(user, course);
    expect(outcome.decision.kind).to.equal("revoke");
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ status: "notpassing", mode: "verified", grade: "0.42", download_url: "", download_uuid: "" });
    const rows = (await outboxRows(h.ds)).slice(before);
    expect(rows.map((r) => [r.event_type, r.certificate_id])).to.deep.equal([["org.openedx.learning.certificate.revoked.v1", certId]]);
  });

  it("leaves the certificate alone for an allowlisted learner, a learner passing again, or a certificate that is not passing", async () => {
    const course = await insertCourse(h.ds);
    const allowlisted = await insertLearner(h.ds, course, { percent: 0.1, passed: false });
    await allowlist(h.ds, allowlisted, course);
    await insertCertificate(h.ds, allowlisted, course, { status: "downloadable" });
    const passingAgain = await insertLearner(h.ds, course, { percent: 0.8, passed: true });
    await insertCertificate(h.ds, passingAgain, course, { status: "downloadable" });
    const unverified = await insertLearner(h.ds, course, { percent: 0.1, passed: false });
    await insertCertificate(h.ds, unverified, course, { status: "unverified" });
    const noCertificate = await insertLearner(h.ds, course, { percent: 0.1, passed: false });

    for (const u of [allowlisted, passingAgain, unverified, noCertificate]) {
      expect((await generator.markNotPassing(u, course)).decision.kind).to.equal("refused");
    }
    expect((await certificateRow(h.ds, allowlisted, course))!.status).to.equal("downloadable");
    expect((await certificateRow(h.ds, passingAgain, course))!.status).to.equal("downloadable");
    expect((await certificateRow(h.ds, unverified, course))!.status).to.equal("unverified");
    expect(await certificateRow(h.ds, noCertificate, course)).to.equal(undefined);
  });
});
