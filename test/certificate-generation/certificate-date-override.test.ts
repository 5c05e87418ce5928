import { expect } from "chai";
import { PermanentJobError } from "../../src/errors/permanent-job-error";
import { CertificateDateOverrideService } from "../../src/services/certificate-generation/certificate-date-override-service";
import { runCliInProcess } from "../support/cli";
import { insertUser } from "../support/fixtures";
import { Harness } from "../support/harness";
import { insertCertificate, insertCourse, insertLearner } from "./generation-fixtures";
import { CertificateEventOutbox } from "../../src/services/event-bus/certificate-event-outbox";

describe("CertificateDateOverride (set / clear with history)", () => {
  let h: Harness;
  before(async () => {
    h = await Harness.create();
  });
  after(async () => {
    await h?.close();
  });

  async function certificate(): Promise<number> {
    const course = await insertCourse(h.ds);
    const user = await insertLearner(h.ds, course);
    return insertCertificate(h.ds, user, course, { status: "downloadable" });
  }
  const overrides = (certId: number) => h.ds.query(`SELECT * FROM certificates_certificatedateoverride WHERE generated_certificate_id = ?`, [certId]);
  const history = (certId: number) => h.ds.query(`SELECT * FROM certificates_historicalcertificatedateoverride WHERE generated_certificate_id = ? ORDER BY history_id`, [certId]);

  it("set creates then edits the one override; overridden_by is always the acting user; history '+', '~', then '-' on clear", async () => {
    const service = new CertificateDateOverrideService(h.ds, CertificateEventOutbox.off());
    const certId = await certificate();
    const [alice, bob] = [await insertUser(h.ds, { isStaff: true }), await insertUser(h.ds, { isStaff: true })];
    const first = await service.set({ certificateId: certId, date: new Date("2025-05-01T00:00:00Z"), reason: "Printed late", actingUserId: alice.id });
    expect(first.action).to.equal("created");
    const second = await service.set({ certificateId: certId, date: new Date("2025-06-01T00:00:00Z"), reason: "Corrected", actingUserId: bob.id });
    expect(second).to.deep.equal({ action: "updated", overrideId: (first as { overrideId: number }).overrideId });
    const [row] = await overrides(certId);
    expect(row).to.deep.include({ reason: "Corrected", overridden_by_id: bob.id });
    expect((row.date as Date).toISOString()).to.equal("2025-06-01T00:00:00.000Z");
    expect(await overrides(certId)).to.have.length(1);

    const cleared = await service.clear({ certificateId: certId, actingUserId: alice.id });
    expect(cleared.action).to.equal("cleared");
    expect(await overrides(certId)).to.have.length(0);
    const rows = await history(certId);
    expect(rows.map((r: Record<string, unknown>) => [r.history_type, r.overridden_by_id, r.history_user_id, r.reason])).to.deep.equal([
      ["+", alice.id, alice.id, "Printed late"],
      ["~", bob.id, bob.id, "Corrected"],
      ["-", bob.id, alice.id, "Corrected"],
    ]);
    expect((await service.clear({ certificateId: certId, actingUserId: alice.id })).action).to.equal("none");
  });

  it("refuses an unknown certificate, an unknown acting user and an empty reason, writing nothing", async () => {
    const service = new CertificateDateOverrideService(h.ds, CertificateEventOutbox.off());
    const certId = await certificate();
    const staff = await insertUser(h.ds, { isStaff: true });
    const attempts = [
      service.set({ certificateId: 99999999, date: new Date(), reason: "x", actingUserId: staff.id }),
      service.set({ certificateId: certId, date: new Date(), reason: "x", actingUserId: 99999999 }),
      service.set({ certificateId: certId, date: new Date(), reason: "  ", actingUserId: staff.id }),
    ];
    for (const attempt of attempts) expect(await attempt.then(() => null, (e: Error) => e)).to.be.instanceOf(PermanentJobError);
    expect(await overrides(certId)).to.have.length(0);
    expect(await history(certId)).to.have.length(0);
  });

  it("the CLI sets the override at midnight UTC and clears it", async () => {
    const certId = await certificate();
    const staff = await insertUser(h.ds, { isStaff: true });
    const set = await runCliInProcess(["certificate-date-override", "--certificate-id", String(certId), "--acting-user-id", String(staff.id), "--date", "2025-07-04", "--reason", "Ceremony date"], h.env());
    expect(set.code, set.err).to.equal(0);
    const [row] = await overrides(certId);
    expect((row.date as Date).toISOString()).to.equal("2025-07-04T00:00:00.000Z");
    expect(row.overridden_by_id).to.equal(staff.id);
    const bad = await runCliInProcess(["certificate-date-override", "--certificate-id", String(certId), "--acting-user-id", String(staff.id), "--date", "2025-02-30", "--reason", "x"], h.env());
    expect([bad.code, bad.err.split("\n")[0]]).to.deep.equal([2, 'openedx-workers certificate-date-override: invalid --date "2025-02-30": use YYYY-MM-DD']);
    const clear = await runCliInProcess(["certificate-date-override", "--certificate-id", String(certId), "--acting-user-id", String(staff.id), "--clear"], h.env());
    expect(clear.code).to.equal(0);
    expect(await overrides(certId)).to.have.length(0);
  });
});
