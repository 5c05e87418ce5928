import { isCcxCourseKey } from "../course-key";
import { CertificateStatus, isEligibleForCertificate, NON_VERIFIED_MODES, type WrittenStatus } from "./certificate-statuses";
import type { GenerationFacts, GenerationFlags } from "./generation-facts";
import { gradeValue } from "./grade-value";

/** Why generation was refused: the first failed check, in upstream's order. */
type RefusalReason =
  | "ccx-course"
  | "beta-tester"
  | "not-passing"
  | "invalidated"
  | "no-enrollment"
  | "ineligible-mode"
  | "id-verification-missing"
  | "already-downloadable"
  | "no-course-overview"
  | "html-certificates-disabled"
  | "exam-attempt-rejected";

type GenerationPath = "allowlist" | "regular";

/**
 * What to do for one (learner, course run), mirroring lms/djangoapps/certificates/generation_handler.py:
 * - generate: upsert the certificate (the celery task's generate_course_certificate), status downloadable, or
 *   unverified when the only thing missing is ID verification and no certificate exists yet;
 * - revoke: an existing certificate gets an explanatory status (invalidate / mark_unverified / mark_notpassing);
 * - unchanged: the explanatory status is already there (upstream does not save again);
 * - refused: nothing is written.
 */
export type GenerationDecision =
  | { kind: "generate"; path: GenerationPath; status: "downloadable" | "unverified"; mode: string; grade: string }
  | { kind: "revoke"; path: GenerationPath; status: Exclude<WrittenStatus, "downloadable">; mode: string; grade: string; reason: RefusalReason; certificateId: number }
  | { kind: "unchanged"; path: GenerationPath; status: Exclude<WrittenStatus, "downloadable">; reason: RefusalReason; certificateId: number }
  | { kind: "refused"; path: GenerationPath; reason: RefusalReason };

export function decideGeneration(facts: GenerationFacts, flags: GenerationFlags): GenerationDecision {
  return facts.onAllowlist ? decideAllowlist(facts, flags) : decideRegular(facts, flags);
}

/** generate_allowlist_certificate_task: no CCX, beta-tester or grade check. */
function decideAllowlist(f: GenerationFacts, flags: GenerationFlags): GenerationDecision {
  const refusal = commonRefusal(f, flags);
  if (!refusal) return generate(f, "allowlist", "downloadable");
  if (!canSetStatusCommon(f, flags)) return { kind: "refused", path: "allowlist", reason: refusal };
  return statusCommon(f, flags, "allowlist", refusal) ?? { kind: "refused", path: "allowlist", reason: refusal };
}

/** _generate_regular_certificate_task: CCX, beta tester and passing grade come before the common checks. */
function decideRegular(f: GenerationFacts, flags: GenerationFlags): GenerationDecision {
  const passing = isPassing(f);
  const refusal: RefusalReason | null = isCcxCourseKey(f.courseKey)
    ? "ccx-course"
    : f.isBetaTester
      ? "beta-tester"
      : !passing
        ? "not-passing"
        : commonRefusal(f, flags);
  if (!refusal) return generate(f, "regular", "downloadable");

  // _can_set_regular_cert_status
  if (isCcxCourseKey(f.courseKey) || f.isBetaTester || !canSetStatusCommon(f, flags)) return { kind: "refused", path: "regular", reason: refusal };
  const common = statusCommon(f, flags, "regular", refusal);
  if (common) return common;
  if (!idvEnforcedAndMissing(f, flags) && !passing && f.certificate) {
    // A failing learner's existing certificate becomes notpassing; one without a certificate gets no row.
    if (f.certificate.status === CertificateStatus.notpassing) return unchanged(f, "regular", "notpassing", refusal);
    return revoke(f, "regular", "notpassing", gradeValue(f.grade?.percent), refusal);
  }
  return { kind: "refused", path: "regular", reason: refusal };
}

/** _can_generate_certificate_common, in upstream's order; null when every check passes. */
function commonRefusal(f: GenerationFacts, flags: GenerationFlags): RefusalReason | null {
  if (f.hasActiveInvalidation) return "invalidated";
  if (f.enrollmentMode === null) return "no-enrollment";
  if (!isEligibleForCertificate(f.enrollmentMode, flags)) return "ineligible-mode";
  if (idvEnforcedAndMissing(f, flags) && !NON_VERIFIED_MODES.includes(f.enrollmentMode)) return "id-verification-missing";
  if (!canGenerateForStatus(f, flags)) return "already-downloadable";
  if (!f.courseOverview) return "no-course-overview";
  if (!htmlCertificatesEnabled(f, flags)) return "html-certificates-disabled";
  return null;
}

/**
 * _can_generate_certificate_for_status: an existing downloadable certificate is final, unless the learner's current
 * mode is eligible while the certificate's mode is not (e.g. an audit certificate after an upgrade to verified).
 */
function canGenerateForStatus(f: GenerationFacts, flags: GenerationFlags): boolean {
  const cert = f.certificate;
  if (!cert || cert.status !== CertificateStatus.downloadable) return true;
  return f.enrollmentMode !== null && isEligibleForCertificate(f.enrollmentMode, flags) && !isEligibleForCertificate(cert.mode, flags);
}

/** _can_set_cert_status_common: only then may an explanatory status be recorded. */
function canSetStatusCommon(f: GenerationFacts, flags: GenerationFlags): boolean {
  const downloadableAndValid = f.certificate?.status === CertificateStatus.downloadable && !f.hasActiveInvalidation;
  if (downloadableAndValid) return false;
  if (f.enrollmentMode === null || !isEligibleForCertificate(f.enrollmentMode, flags)) return false;
  return f.courseOverview !== null && htmlCertificatesEnabled(f, flags);
}

/** _get_cert_status_common: unavailable (invalidated), then unverified (IDV missing, passing or allowlisted). */
function statusCommon(f: GenerationFacts, flags: GenerationFlags, path: GenerationPath, reason: RefusalReason): GenerationDecision | null {
  if (f.hasActiveInvalidation && f.certificate) {
    if (f.certificate.status === CertificateStatus.unavailable) return unchanged(f, path, "unavailable", reason);
    return revoke(f, path, "unavailable", "", reason);
  }
  if (idvEnforcedAndMissing(f, flags) && (f.onAllowlist || isPassing(f))) {
    // Upstream queues the task with status=unverified; the task then calls mark_unverified, which blanks the grade.
    if (!f.certificate) return generate(f, path, "unverified");
    if (f.certificate.status === CertificateStatus.unverified) return unchanged(f, path, "unverified", reason);
    return revoke(f, path, "unverified", "", reason);
  }
  return null;
}

function isPassing(f: GenerationFacts): boolean {
  return f.grade?.passed === true;
}

function idvEnforcedAndMissing(f: GenerationFacts, flags: GenerationFlags): boolean {
  return flags.idvRequired && !f.idVerified;
}

/** has_html_certificates_enabled: the platform flag and the course's own setting. */
function htmlCertificatesEnabled(f: GenerationFacts, flags: GenerationFlags): boolean {
  return flags.htmlViewEnabled && f.courseOverview?.certHtmlViewEnabled === true;
}

function generate(f: GenerationFacts, path: GenerationPath, status: "downloadable" | "unverified"): GenerationDecision {
  const grade = status === "downloadable" ? gradeValue(f.grade?.percent) : "";
  return { kind: "generate", path, status, mode: f.enrollmentMode ?? "", grade };
}

function revoke(f: GenerationFacts, path: GenerationPath, status: "notpassing" | "unavailable" | "unverified", grade: string, reason: RefusalReason): GenerationDecision {
  return { kind: "revoke", path, status, mode: f.enrollmentMode ?? f.certificate!.mode, grade, reason, certificateId: f.certificate!.id };
}

function unchanged(f: GenerationFacts, path: GenerationPath, status: "notpassing" | "unavailable" | "unverified", reason: RefusalReason): GenerationDecision {
  return { kind: "unchanged", path, status, reason, certificateId: f.certificate!.id };
}
