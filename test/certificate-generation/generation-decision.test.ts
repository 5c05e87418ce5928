import { expect } from "chai";
import { decideGeneration } from "../../src/domain/certificates/generation-decision";
import type { GenerationFacts, GenerationFlags } from "../../src/domain/certificates/generation-facts";
import { gradeValue } from "../../src/domain/certificates/grade-value";
import { isIdVerified, type IdVerificationRecord } from "../../src/domain/certificates/id-verification";
import { parseCourseKey } from "../../src/domain/course-key";

const COURSE = parseCourseKey("course-v1:edX+DemoX+Demo_Course")!;
const CCX = parseCourseKey("ccx-v1:edX+DemoX+Demo_Course+ccx@1")!;
const flags: GenerationFlags = { htmlViewEnabled: true, idvRequired: false, disableHonorCertificates: false };

/** A learner who gets a certificate: verified, passing, overview with web certificates, no certificate yet. */
function facts(o: Partial<GenerationFacts> = {}): GenerationFacts {
  return {
    userId: 7,
    courseKey: COURSE,
    onAllowlist: false,
    enrollmentMode: "verified",
    grade: { percent: 0.87, passed: true },
    hasActiveInvalidation: false,
    idVerified: true,
    isBetaTester: false,
    courseOverview: { certHtmlViewEnabled: true },
    certificate: null,
    ...o,
  };
}
const cert = (status: string, mode = "verified") => ({ id: 11, status, mode });

describe("decideGeneration (generation_handler rules)", () => {
  describe("regular path", () => {
    it("generates a downloadable certificate when every check passes", () => {
      expect(decideGeneration(facts(), flags)).to.deep.equal({ kind: "generate", path: "regular", status: "downloadable", mode: "verified", grade: "0.87" });
    });
    it("refuses a CCX run before anything else", () => {
      expect(decideGeneration(facts({ courseKey: CCX, certificate: cert("notpassing"), grade: null }), flags)).to.deep.equal({ kind: "refused", path: "regular", reason: "ccx-course" });
    });
    it("refuses a beta tester, and records no status for them", () => {
      expect(decideGeneration(facts({ isBetaTester: true, certificate: cert("downloadable"), grade: null }), flags)).to.deep.equal({ kind: "refused", path: "regular", reason: "beta-tester" });
    });
    it("a failing learner with a certificate gets notpassing with their grade", () => {
      expect(decideGeneration(facts({ grade: { percent: 0.4, passed: false }, certificate: cert("unverified", "honor") }), flags)).to.deep.include({ kind: "revoke", status: "notpassing", grade: "0.4", mode: "verified", reason: "not-passing" });
    });
    it("a failing learner keeps a downloadable certificate (the handler never revokes a final one; only the grade signal does)", () => {
      expect(decideGeneration(facts({ grade: { percent: 0.4, passed: false }, certificate: cert("downloadable") }), flags)).to.deep.equal({ kind: "refused", path: "regular", reason: "not-passing" });
    });
    it("a learner without a grade and with a certificate gets notpassing with grade ''", () => {
      expect(decideGeneration(facts({ grade: null, certificate: cert("unavailable") }), flags)).to.deep.include({ kind: "revoke", status: "notpassing", grade: "" });
    });
    it("an existing notpassing certificate is left as it is", () => {
      expect(decideGeneration(facts({ grade: { percent: 0.4, passed: false }, certificate: cert("notpassing") }), flags)).to.deep.include({ kind: "unchanged", status: "notpassing" });
    });
    it("a failing learner without a certificate gets no row", () => {
      expect(decideGeneration(facts({ grade: { percent: 0.4, passed: false } }), flags)).to.deep.equal({ kind: "refused", path: "regular", reason: "not-passing" });
    });
  });

  describe("common checks, in upstream's order", () => {
    it("1. an active invalidation refuses, and an existing certificate becomes unavailable with grade ''", () => {
      expect(decideGeneration(facts({ hasActiveInvalidation: true, certificate: cert("downloadable") }), flags)).to.deep.include({ kind: "revoke", status: "unavailable", grade: "", reason: "invalidated", mode: "verified" });
      expect(decideGeneration(facts({ hasActiveInvalidation: true, certificate: cert("unavailable") }), flags)).to.deep.include({ kind: "unchanged", status: "unavailable" });
    });
    it("2. no enrollment refuses with nothing recorded", () => {
      expect(decideGeneration(facts({ enrollmentMode: null, certificate: cert("notpassing") }), flags)).to.deep.equal({ kind: "refused", path: "regular", reason: "no-enrollment" });
    });
    it("3. audit is not eligible; honor is not when honor certificates are disabled", () => {
      expect(decideGeneration(facts({ enrollmentMode: "audit" }), flags)).to.deep.include({ kind: "refused", reason: "ineligible-mode" });
      expect(decideGeneration(facts({ enrollmentMode: "honor" }), flags)).to.deep.include({ kind: "generate", mode: "honor" });
      expect(decideGeneration(facts({ enrollmentMode: "honor" }), { ...flags, disableHonorCertificates: true })).to.deep.include({ kind: "refused", reason: "ineligible-mode" });
    });
    it("4. IDV enforced and missing refuses modes that need it and records unverified (created when absent)", () => {
      const idv = { ...flags, idvRequired: true };
      expect(decideGeneration(facts({ idVerified: false }), idv)).to.deep.equal({ kind: "generate", path: "regular", status: "unverified", mode: "verified", grade: "" });
      expect(decideGeneration(facts({ idVerified: false, certificate: cert("notpassing") }), idv)).to.deep.include({ kind: "revoke", status: "unverified", grade: "", reason: "id-verification-missing" });
      expect(decideGeneration(facts({ idVerified: false, certificate: cert("unverified") }), idv)).to.deep.include({ kind: "unchanged", status: "unverified" });
      expect(decideGeneration(facts({ idVerified: true }), idv)).to.deep.include({ kind: "generate", status: "downloadable" });
      expect(decideGeneration(facts({ idVerified: false }), flags), "not enforced").to.deep.include({ kind: "generate", status: "downloadable" });
    });
    it("4. non-verified modes (honor, no-id-professional) skip the IDV check", () => {
      const idv = { ...flags, idvRequired: true };
      expect(decideGeneration(facts({ idVerified: false, enrollmentMode: "honor" }), idv)).to.deep.include({ kind: "generate", status: "downloadable", mode: "honor" });
      expect(decideGeneration(facts({ idVerified: false, enrollmentMode: "no-id-professional" }), idv)).to.deep.include({ kind: "generate", status: "downloadable" });
    });
    it("4. a failing learner missing IDV gets no notpassing (IDV comes first) and no unverified (not passing)", () => {
      const idv = { ...flags, idvRequired: true };
      expect(decideGeneration(facts({ idVerified: false, grade: { percent: 0.2, passed: false }, certificate: cert("unavailable") }), idv)).to.deep.equal({ kind: "refused", path: "regular", reason: "not-passing" });
    });
    it("5. an existing downloadable certificate is final", () => {
      expect(decideGeneration(facts({ certificate: cert("downloadable") }), flags)).to.deep.equal({ kind: "refused", path: "regular", reason: "already-downloadable" });
    });
    it("5. ...unless the current mode is eligible and the certificate's is not (audit → verified upgrade)", () => {
      expect(decideGeneration(facts({ certificate: cert("downloadable", "audit") }), flags)).to.deep.include({ kind: "generate", status: "downloadable", mode: "verified" });
      expect(decideGeneration(facts({ enrollmentMode: "verified", certificate: cert("downloadable", "honor") }), { ...flags, disableHonorCertificates: true })).to.deep.include({ kind: "generate" });
    });
    it("5. any other existing status may be regenerated", () => {
      for (const status of ["notpassing", "unavailable", "unverified", "error", "generating", "audit_passing"]) {
        expect(decideGeneration(facts({ certificate: cert(status) }), flags), status).to.deep.include({ kind: "generate", status: "downloadable" });
      }
    });
    it("6. no course overview refuses, nothing recorded", () => {
      expect(decideGeneration(facts({ courseOverview: null, grade: { percent: 0.1, passed: false }, certificate: cert("downloadable") }), flags)).to.deep.include({ kind: "refused", reason: "not-passing" });
      expect(decideGeneration(facts({ courseOverview: null }), flags)).to.deep.equal({ kind: "refused", path: "regular", reason: "no-course-overview" });
    });
    it("7. HTML certificates need the platform flag and the course setting", () => {
      expect(decideGeneration(facts({ courseOverview: { certHtmlViewEnabled: false } }), flags)).to.deep.include({ kind: "refused", reason: "html-certificates-disabled" });
      expect(decideGeneration(facts(), { ...flags, htmlViewEnabled: false })).to.deep.include({ kind: "refused", reason: "html-certificates-disabled" });
      expect(decideGeneration(facts({ grade: { percent: 0.1, passed: false }, certificate: cert("unavailable"), courseOverview: { certHtmlViewEnabled: false } }), flags), "no status either").to.deep.include({ kind: "refused" });
    });
  });

  describe("allowlist path", () => {
    const allow = (o: Partial<GenerationFacts> = {}) => facts({ onAllowlist: true, ...o });
    it("generates without a passing grade, for beta testers and CCX runs too", () => {
      expect(decideGeneration(allow({ grade: null }), flags)).to.deep.equal({ kind: "generate", path: "allowlist", status: "downloadable", mode: "verified", grade: "" });
      expect(decideGeneration(allow({ isBetaTester: true, courseKey: CCX, grade: { percent: 0.3, passed: false } }), flags)).to.deep.include({ kind: "generate", path: "allowlist", grade: "0.3" });
    });
    it("still needs an eligible mode and the other common checks", () => {
      expect(decideGeneration(allow({ enrollmentMode: "audit" }), flags)).to.deep.include({ kind: "refused", path: "allowlist", reason: "ineligible-mode" });
      expect(decideGeneration(allow({ enrollmentMode: null }), flags)).to.deep.include({ kind: "refused", reason: "no-enrollment" });
    });
    it("records unavailable for an invalidated certificate", () => {
      expect(decideGeneration(allow({ hasActiveInvalidation: true, certificate: cert("downloadable") }), flags)).to.deep.include({ kind: "revoke", path: "allowlist", status: "unavailable" });
    });
    it("records unverified when IDV is missing, even without a passing grade", () => {
      expect(decideGeneration(allow({ idVerified: false, grade: null }), { ...flags, idvRequired: true })).to.deep.include({ kind: "generate", path: "allowlist", status: "unverified" });
    });
    it("never records notpassing", () => {
      expect(decideGeneration(allow({ grade: { percent: 0.1, passed: false }, certificate: cert("downloadable") }), flags)).to.deep.include({ kind: "refused", reason: "already-downloadable" });
    });
  });
});

describe("gradeValue (str(course_grade.percent))", () => {
  it("writes Python's float text, '' without a grade, and fits varchar(5)", () => {
    expect(gradeValue(0.87)).to.equal("0.87");
    expect(gradeValue(1)).to.equal("1.0");
    expect(gradeValue(0)).to.equal("0.0");
    expect(gradeValue(null)).to.equal("");
    expect(gradeValue(0.8666667)).to.equal("0.87");
  });
});

describe("isIdVerified (IDVerificationService.user_is_verified)", () => {
  const now = new Date("2026-06-01T00:00:00Z");
  const rec = (o: Partial<IdVerificationRecord>): IdVerificationRecord => ({
    status: "approved", source: "photo", createdAt: new Date("2026-01-01T00:00:00Z"), updatedAt: new Date("2026-01-01T00:00:00Z"), expiration: null, ...o,
  });
  it("needs an approved verification", () => {
    expect(isIdVerified([], now, 365)).to.equal(false);
    expect(isIdVerified([rec({ status: "denied" }), rec({ status: "submitted" })], now, 365)).to.equal(false);
    expect(isIdVerified([rec({})], now, 365)).to.equal(true);
  });
  it("expires created_at + DAYS_GOOD_FOR when there is no expiration date", () => {
    expect(isIdVerified([rec({ createdAt: new Date("2025-01-01T00:00:00Z") })], now, 365)).to.equal(false);
    expect(isIdVerified([rec({ createdAt: new Date("2025-01-01T00:00:00Z") })], now, 1000)).to.equal(true);
  });
  it("uses the expiration date when set, for manual and SSO verifications too", () => {
    expect(isIdVerified([rec({ source: "manual", expiration: new Date("2026-05-31T00:00:00Z") })], now, 365)).to.equal(false);
    expect(isIdVerified([rec({ source: "sso", createdAt: new Date("2020-01-01T00:00:00Z"), expiration: new Date("2027-01-01T00:00:00Z") })], now, 365)).to.equal(true);
  });
  it("judges only the most recently updated approved verification", () => {
    const old = rec({ source: "manual", updatedAt: new Date("2026-01-01T00:00:00Z"), expiration: new Date("2030-01-01T00:00:00Z") });
    const recentExpired = rec({ source: "photo", updatedAt: new Date("2026-02-01T00:00:00Z"), expiration: new Date("2026-03-01T00:00:00Z") });
    expect(isIdVerified([old, recentExpired], now, 365)).to.equal(false);
  });
  it("an approved VerificationAttempt without expiration_datetime does not count, as upstream", () => {
    expect(isIdVerified([rec({ source: "attempt", expiration: null })], now, 365)).to.equal(false);
    expect(isIdVerified([rec({ source: "attempt", expiration: new Date("2027-01-01T00:00:00Z") })], now, 365)).to.equal(true);
  });
});
