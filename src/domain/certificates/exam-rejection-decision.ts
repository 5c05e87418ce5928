import { CertificateStatus } from "./certificate-statuses";
import type { GenerationDecision } from "./generation-decision";
import type { GenerationFacts } from "./generation-facts";

/**
 * lms/djangoapps/certificates/signals.py `handle_exam_attempt_rejected_event` → api.py `invalidate_certificate`
 * (source 'exam_event'): a learner on the allowlist keeps the certificate; otherwise an existing certificate is
 * invalidated (`GeneratedCertificate.invalidate()`: status unavailable, the current enrollment mode or, without an
 * enrollment, the certificate's own, grade ''), whatever its status. No CertificateInvalidation row is made.
 * A certificate already unavailable in that mode is left as it is (upstream would save it again: here a
 * re-delivered event writes nothing twice).
 */
export function decideExamRejection(f: GenerationFacts): GenerationDecision {
  const path = f.onAllowlist ? "allowlist" : "regular";
  const reason = "exam-attempt-rejected";
  if (f.onAllowlist || !f.certificate) return { kind: "refused", path, reason };
  const mode = f.enrollmentMode ?? f.certificate.mode;
  if (f.certificate.status === CertificateStatus.unavailable && f.certificate.mode === mode) {
    return { kind: "unchanged", path, status: "unavailable", reason, certificateId: f.certificate.id };
  }
  return { kind: "revoke", path, status: "unavailable", mode, grade: "", reason, certificateId: f.certificate.id };
}
