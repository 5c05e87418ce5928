import { expect } from "chai";
import { loadConfig } from "../../src/config";
import { silentLogger } from "../../src/logging/logger";
import { CertificateGenerator } from "../../src/services/certificate-generation/certificate-generator";
import { PermanentJobError } from "../../src/errors/permanent-job-error";
import { Harness } from "../support/harness";
import { CertificateEventOutbox } from "../../src/services/event-bus/certificate-event-outbox";
import {
  allowlist, certificateRow, historyRows, insertCertificate, insertCourse, insertLearner, invalidate, makeBetaTester, verifyIdentity,
} from "./generation-fixtures";

/**
 * One test per row of the outcome table (openedx-domain.md 3.5) and per rule branch, each asserting the
 * certificate row that results in the database, or that there is none.
 */
describe("certificate generation outcomes (database rows)", () => {
  let h: Harness;
  const generator = (env: Record<string, string> = {}) => {
    const config = loadConfig(h.env(env));
    return new CertificateGenerator(h.ds, config.generation, silentLogger(), new CertificateEventOutbox(config.eventBus));
  };
  const IDV = { ENABLE_CERTIFICATES_IDV_REQUIREMENT: "true" };

  before(async () => {
    h = await Harness.create();
  });
  after(async () => {
    await h.close();
  });

  it("all checks pass (regular): downloadable created with a new 32-hex verify_uuid, the profile name, grade and mode, and a '+' history row", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { percent: 0.87, profileName: "Grace Hopper" });
    const outcome = await generator().generate(user, course);
    const row = (await certificateRow(h.ds, user, course))!;
    expect(row).to.deep.include({ status: "downloadable", mode: "verified", grade: "0.87", name: "Grace Hopper", download_url: "", download_uuid: "", key: "", error_reason: "" });
    expect(row.verify_uuid).to.match(/^[0-9a-f]{32}$/);
    expect(outcome).to.deep.include({ certificateId: row.id, created: true });
    const history = await historyRows(h.ds, Number(row.id));
    expect(history).to.have.length(1);
    const { history_id, history_date, history_type, history_user_id, history_change_reason, ...copied } = history[0];
    expect({ history_type, history_user_id, history_change_reason }).to.deep.equal({ history_type: "+", history_user_id: null, history_change_reason: null });
    expect(history_id).to.be.a("number");
    expect((history_date as Date).getTime()).to.equal((row.modified_date as Date).getTime());
    expect(copied).to.deep.equal(row);
  });

  it("all checks pass (allowlist, failing grade, beta tester): downloadable", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { percent: 0.2, passed: false, mode: "honor" });
    await allowlist(h.ds, user, course);
    await makeBetaTester(h.ds, user, course);
    await generator().generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ status: "downloadable", mode: "honor", grade: "0.2" });
  });

  it("an allowlist row with allowlist=false does not count: regular rules apply (failing, no cert: no row)", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { percent: 0.2, passed: false });
    await allowlist(h.ds, user, course, false);
    await generator().generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.equal(undefined);
  });

  it("all checks pass with an existing notpassing certificate: updated to downloadable, verify_uuid and download_uuid kept, '~' history", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { percent: 0.91 });
    const id = await insertCertificate(h.ds, user, course, { status: "notpassing", mode: "honor", verifyUuid: "a".repeat(32), downloadUuid: "b".repeat(32), downloadUrl: "https://x/y.pdf" });
    await generator().generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ id, status: "downloadable", mode: "verified", grade: "0.91", verify_uuid: "a".repeat(32), download_uuid: "b".repeat(32), download_url: "" });
    expect((await historyRows(h.ds, id)).map((r) => r.history_type)).to.deep.equal(["~"]);
  });

  it("an existing certificate with an empty verify_uuid gets one on regeneration", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course);
    await insertCertificate(h.ds, user, course, { status: "unavailable", verifyUuid: "" });
    await generator().generate(user, course);
    expect((await certificateRow(h.ds, user, course))!.verify_uuid).to.match(/^[0-9a-f]{32}$/);
  });

  it("would pass except IDV is missing: unverified created (grade '') when absent", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course);
    await generator(IDV).generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ status: "unverified", mode: "verified", grade: "" });
  });

  it("would pass except IDV is missing: an existing certificate becomes unverified", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course);
    await insertCertificate(h.ds, user, course, { status: "notpassing", downloadUuid: "c".repeat(32) });
    await generator(IDV).generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ status: "unverified", grade: "", download_uuid: "" });
  });

  it("IDV enforced: an approved, unexpired verification (any table) allows downloadable; an expired one does not", async () => {
    const course = await insertCourse(h.ds);
    const verified = await insertLearner(h.ds, course);
    await verifyIdentity(h.ds, verified, { table: "verify_student_ssoverification" });
    const expired = await insertLearner(h.ds, course);
    await verifyIdentity(h.ds, expired, { table: "verify_student_softwaresecurephotoverification", createdAt: new Date(Date.now() - 400 * 24 * 3600 * 1000) });
    await generator(IDV).generate(verified, course);
    await generator(IDV).generate(expired, course);
    expect(await certificateRow(h.ds, verified, course)).to.deep.include({ status: "downloadable" });
    expect(await certificateRow(h.ds, expired, course)).to.deep.include({ status: "unverified" });
  });

  it("IDV enforced: honor and no-id-professional learners are exempt", async () => {
    const course = await insertCourse(h.ds);
    const honor = await insertLearner(h.ds, course, { mode: "honor" });
    const noId = await insertLearner(h.ds, course, { mode: "no-id-professional" });
    await generator(IDV).generate(honor, course);
    await generator(IDV).generate(noId, course);
    expect(await certificateRow(h.ds, honor, course)).to.deep.include({ status: "downloadable", mode: "honor" });
    expect(await certificateRow(h.ds, noId, course)).to.deep.include({ status: "downloadable", mode: "no-id-professional" });
  });

  it("active invalidation and certificate exists: unavailable, grade and links blanked, verify_uuid kept", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course);
    const id = await insertCertificate(h.ds, user, course, { status: "downloadable", verifyUuid: "d".repeat(32), downloadUuid: "e".repeat(32), downloadUrl: "https://x/z.pdf", grade: "0.9" });
    await invalidate(h.ds, id);
    await generator().generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ status: "unavailable", grade: "", verify_uuid: "d".repeat(32), download_uuid: "", download_url: "" });
  });

  it("an inactive invalidation does not count", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course);
    const id = await insertCertificate(h.ds, user, course, { status: "notpassing" });
    await invalidate(h.ds, id, false);
    await generator().generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ status: "downloadable" });
  });

  it("regular, failing grade, certificate exists, IDV fine: notpassing with the grade", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { percent: 0.35, passed: false });
    await insertCertificate(h.ds, user, course, { status: "unverified" });
    await generator().generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ status: "notpassing", grade: "0.35", mode: "verified" });
  });

  it("regular, failing, no certificate: no row", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { percent: 0.35, passed: false });
    const noGrade = await insertLearner(h.ds, course, { percent: null });
    await generator().generate(user, course);
    await generator().generate(noGrade, course);
    expect(await certificateRow(h.ds, user, course)).to.equal(undefined);
    expect(await certificateRow(h.ds, noGrade, course)).to.equal(undefined);
  });

  describe("nothing changes for", () => {
    const cases: Array<[string, (course: string) => Promise<{ user: number; course: string; env?: Record<string, string> }>]> = [
      ["audit mode", async (course) => ({ user: await insertLearner(h.ds, course, { mode: "audit" }), course })],
      ["no enrollment", async (course) => ({ user: await insertLearner(h.ds, course, { mode: null }), course })],
      ["honor when DISABLE_HONOR_CERTIFICATES", async (course) => ({ user: await insertLearner(h.ds, course, { mode: "honor" }), course, env: { DISABLE_HONOR_CERTIFICATES: "true" } })],
      ["a beta tester", async (course) => {
        const user = await insertLearner(h.ds, course);
        await makeBetaTester(h.ds, user, course);
        return { user, course };
      }],
      ["a CCX run", async () => {
        const ccx = await insertCourse(h.ds, { key: `ccx-v1:OrgG+C${Date.now()}+R1+ccx@4` });
        return { user: await insertLearner(h.ds, ccx), course: ccx };
      }],
      ["a run without a course overview", async () => {
        const bare = await insertCourse(h.ds, { overview: false });
        return { user: await insertLearner(h.ds, bare), course: bare };
      }],
      ["a course with web certificates off", async () => {
        const off = await insertCourse(h.ds, { certHtmlViewEnabled: false });
        return { user: await insertLearner(h.ds, off), course: off };
      }],
      ["CERTIFICATES_HTML_VIEW=false", async (course) => ({ user: await insertLearner(h.ds, course), course, env: { CERTIFICATES_HTML_VIEW: "false" } })],
    ];
    for (const [what, setup] of cases) {
      it(`${what}: no row is created, and an existing unverified row is left as it was`, async () => {
        const { user, course, env } = await setup(await insertCourse(h.ds));
        await generator(env).generate(user, course);
        expect(await certificateRow(h.ds, user, course), "no row").to.equal(undefined);

        const id = await insertCertificate(h.ds, user, course, { status: "unverified" });
        const before = await certificateRow(h.ds, user, course);
        await generator(env).generate(user, course);
        expect(await certificateRow(h.ds, user, course)).to.deep.equal(before);
        expect(await historyRows(h.ds, id)).to.have.length(0);
      });
    }
  });

  it("existing downloadable certificate, same eligibility: unchanged (final), even with a failing grade", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { percent: 0.1, passed: false });
    const id = await insertCertificate(h.ds, user, course, { status: "downloadable", grade: "0.95" });
    const before = await certificateRow(h.ds, user, course);
    await generator().generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.deep.equal(before);
    expect(await historyRows(h.ds, id)).to.have.length(0);
  });

  it("existing downloadable audit certificate after an upgrade to verified: regenerated in the new mode", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { mode: "verified", percent: 0.8 });
    await insertCertificate(h.ds, user, course, { status: "downloadable", mode: "audit", verifyUuid: "f".repeat(32) });
    await generator().generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ status: "downloadable", mode: "verified", grade: "0.8", verify_uuid: "f".repeat(32) });
  });

  it("an inactive enrollment still counts (upstream reads the mode whether active or not)", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course, { enrollmentActive: false });
    await generator().generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ status: "downloadable" });
  });

  it("a learner without a profile gets name ''", async () => {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course);
    await h.ds.query(`DELETE FROM auth_userprofile WHERE user_id = ?`, [user]);
    await generator().generate(user, course);
    expect(await certificateRow(h.ds, user, course)).to.deep.include({ status: "downloadable", name: "" });
  });

  it("an unknown learner or a malformed key is a permanent error and writes nothing", async () => {
    const course = await insertCourse(h.ds);
    for (const [user, key] of [[987654321, course], [1, "not a key"]] as const) {
      const err = await generator().generate(user, key).then(() => null, (e: Error) => e);
      expect(err).to.be.instanceOf(PermanentJobError);
    }
    const [{ n }] = await h.ds.query(`SELECT COUNT(*) AS n FROM certificates_generatedcertificate WHERE course_id = ?`, [course]);
    expect(Number(n)).to.equal(0);
  });
});
