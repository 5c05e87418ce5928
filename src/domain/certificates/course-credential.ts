/**
 * What openedx/core/djangoapps/programs/tasks.py `award_course_certificate` sends to Credentials for a course
 * certificate, as pure functions: which certificates it sends at all, the status, the visible date and the JSON
 * body of `post_course_certificate`.
 */

/** CourseMode.CERTIFICATE_RELEVANT_MODES (CREDIT_MODES + CREDIT_ELIGIBLE_MODES + [MASTERS]): the only modes sent. */
export const CERTIFICATE_RELEVANT_MODES: readonly string[] = [
  "credit",
  "verified",
  "professional",
  "no-id-professional",
  "executive-education",
  "paid-executive-education",
  "paid-bootcamp",
  "masters",
];

/** GeneratedCertificate.eligible_certificates leaves these out. */
export const INELIGIBLE_STATUSES: readonly string[] = ["audit_passing", "audit_notpassing"];

/** The course-run credential type (tasks.py COURSE_CERTIFICATE). */
const COURSE_CERTIFICATE = "course-run";

export type CredentialStatus = "awarded" | "revoked";

/** `'awarded' if certificate.is_valid() else 'revoked'`; is_valid() is status == downloadable. */
export function credentialStatus(certificateStatus: string): CredentialStatus {
  return certificateStatus === "downloadable" ? "awarded" : "revoked";
}

/** CertificatesDisplayBehaviors.END_WITH_DATE. */
const END_WITH_DATE = "end_with_date";

export interface VisibleDateFacts {
  /** certificates.auto_certificate_generation is active. */
  autoGenerationEnabled: boolean;
  selfPaced: boolean;
  certificateAvailableDate: Date | null;
  certificatesDisplayBehavior: string | null;
  certificateModifiedDate: Date;
}

/**
 * lms/djangoapps/certificates/api.py `available_date_for_certificate`: the course's certificate_available_date
 * when `_course_uses_available_date` (auto generation on and instructor-paced, a date set, display behaviour
 * end_with_date), otherwise the certificate's modified_date.
 */
export function visibleDate(f: VisibleDateFacts): Date {
  const usesAvailableDate = f.autoGenerationEnabled && !f.selfPaced && f.certificateAvailableDate !== null && f.certificatesDisplayBehavior === END_WITH_DATE;
  return usesAvailableDate ? f.certificateAvailableDate! : f.certificateModifiedDate;
}

/** tasks.py DATE_FORMAT '%Y-%m-%dT%H:%M:%SZ' of a UTC datetime (Django stores UTC). */
export function credentialsDate(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/**
 * `get_credentials_api_base_url(org)` + `urljoin(f"{base}/", "credentials/")`: the internal service root (the
 * setting, or the org's site configuration), `urljoin(root, '/api/v2/')` (an absolute path: any path of the root
 * is dropped), then `credentials/`.
 */
export function credentialsEndpoint(internalServiceUrl: string): string {
  return new URL("/api/v2/credentials/", internalServiceUrl).toString();
}

export interface CourseCredentialFacts {
  username: string;
  courseRunKey: string;
  certificateStatus: string;
  mode: string;
  dateOverride: Date | null;
  visibleDate: Date;
}

/** The JSON body of `post_course_certificate`, keys in upstream's order (requests sends them in that order). */
export function courseCredentialBody(f: CourseCredentialFacts): Record<string, unknown> {
  return {
    username: f.username,
    status: credentialStatus(f.certificateStatus),
    credential: { course_run_key: f.courseRunKey, mode: f.mode, type: COURSE_CERTIFICATE },
    date_override: f.dateOverride ? { date: credentialsDate(f.dateOverride) } : null,
    attributes: [{ name: "visible_date", value: credentialsDate(f.visibleDate) }],
  };
}

/** award_course_certificate's `countdown = 2 ** self.request.retries` seconds (with the configured first delay). */
export function credentialsRetryDelayMs(retriesSoFar: number, baseMs: number): number {
  return baseMs * 2 ** Math.min(retriesSoFar, 40);
}
