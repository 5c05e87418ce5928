import type { EntityManager } from "typeorm";

/**
 * What happened to a certificate, in upstream's terms (lms/djangoapps/certificates/models.py); it decides what the
 * LMS's signal handlers would do next:
 * - `saved`: GeneratedCertificate.save() (COURSE_CERT_CHANGED, and COURSE_CERT_AWARDED for a passing status);
 * - `revoked`: _revoke_certificate() (invalidate, mark_notpassing, mark_unverified): a save, then COURSE_CERT_REVOKED;
 * - `date-override`: a CertificateDateOverride saved or deleted (COURSE_CERT_CHANGED on commit);
 * - `links-blanked`: the PDF purge blanked download_url / download_uuid (a bulk UPDATE upstream: no signal at all).
 */
export type CertificateChange = "saved" | "revoked" | "date-override" | "links-blanked";

export interface CertificateChangeRequest {
  change: CertificateChange;
  /** One certificate, or several that underwent the same change (batched writers). */
  certificateId: number | readonly number[];
}

/**
 * Records, inside the writer's transaction, what must follow a certificate change (so it exists iff the change committed).
 * The certificate writers (services/) call it; the AppContext carries its implementations (CertificateEventOutbox,
 * CertificateSignals), which is why it is declared here, below services.
 */
export interface CertificateChangeRecorder {
  record(m: EntityManager, req: CertificateChangeRequest): Promise<void>;
}

export function certificateIdsOf(req: CertificateChangeRequest): number[] {
  return typeof req.certificateId === "number" ? [req.certificateId] : [...req.certificateId];
}
