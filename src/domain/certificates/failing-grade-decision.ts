import { CertificateStatus } from "./certificate-statuses";
import type { GenerationDecision } from "./generation-decision";
import type { GenerationFacts } from "./generation-facts";
import { gradeValue } from "./grade-value";

/** CertificateStatuses.PASSED_STATUSES. */
const PASSED_STATUSES: readonly string[] = [CertificateStatus.downloadable, CertificateStatus.generating];

/**
 * lms/djangoapps/certificates/signals.py `_listen_for_failing_grade` (COURSE_GRADE_NOW_FAILED): a learner on the
 * allowlist keeps their certificate; otherwise a certificate with a passing status is marked notpassing with the
 * current enrollment mode and grade ('' for a zero grade: upstream's `if not grade`). Decided on the facts when the job runs: a learner whose grade passes again by
 * then keeps the certificate (the event may be older than the grade).
 */
export function decideFailingGrade(f: GenerationFacts): GenerationDecision {
  const path = f.onAllowlist ? "allowlist" : "regular";
  if (f.onAllowlist) return { kind: "refused", path, reason: "not-passing" };
  if (f.grade?.passed === true || !f.certificate || !PASSED_STATUSES.includes(f.certificate.status)) return { kind: "refused", path, reason: "not-passing" };
  return {
    kind: "revoke", path, status: "notpassing", mode: f.enrollmentMode ?? f.certificate.mode, grade: f.grade?.percent ? gradeValue(f.grade.percent) : "", reason: "not-passing", certificateId: f.certificate.id,
  };
}
