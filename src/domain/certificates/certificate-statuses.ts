/** edx-platform's CertificateStatuses (lms/djangoapps/certificates/data.py). V2 rules only ever write the first four. */
export const CertificateStatus = {
  downloadable: "downloadable",
  notpassing: "notpassing",
  unavailable: "unavailable",
  unverified: "unverified",
  auditPassing: "audit_passing",
  auditNotpassing: "audit_notpassing",
  honorPassing: "honor_passing",
  auditing: "auditing",
  deleted: "deleted",
  deleting: "deleting",
  error: "error",
  generating: "generating",
  requesting: "requesting",
  restricted: "restricted",
  invalidated: "invalidated",
} as const;

/** The statuses generation may write. */
export type WrittenStatus = "downloadable" | "notpassing" | "unavailable" | "unverified";

/** CourseMode.NON_VERIFIED_MODES: these enrollments earn a certificate without ID verification. */
export const NON_VERIFIED_MODES: readonly string[] = ["honor", "audit", "no-id-professional"];

/**
 * CourseMode.is_eligible_for_certificate(mode) as the generation handler calls it (without a status): every mode
 * but audit, and honor too when honor certificates are disabled.
 */
export function isEligibleForCertificate(mode: string, opts: { disableHonorCertificates: boolean }): boolean {
  if (mode === "audit") return false;
  if (mode === "honor" && opts.disableHonorCertificates) return false;
  return true;
}
