import type { CourseKey } from "../course-key";

/** What the generation rules need to know about one (learner, course run), loaded before deciding. Ids only, no PII. */
export interface GenerationFacts {
  userId: number;
  courseKey: CourseKey;
  /** A certificates_certificateallowlist row with allowlist = true. */
  onAllowlist: boolean;
  /** Mode of the enrollment in the run, active or not; null without one. */
  enrollmentMode: string | null;
  /** The persistent course grade; null when the learner has none. */
  grade: { percent: number; passed: boolean } | null;
  /** An active certificates_certificateinvalidation for the learner's certificate in this run. */
  hasActiveInvalidation: boolean;
  /** IDVerificationService.user_is_verified (see id-verification.ts). */
  idVerified: boolean;
  /** A student_courseaccessrole row with role beta_testers for the run. */
  isBetaTester: boolean;
  /** course_overviews_courseoverview row; null when the run has none. */
  courseOverview: { certHtmlViewEnabled: boolean } | null;
  /** The existing certificate row, if any. */
  certificate: { id: number; status: string; mode: string } | null;
}

/** FEATURES flags of the LMS that the rules read; here they are this service's configuration. */
export interface GenerationFlags {
  /** FEATURES['CERTIFICATES_HTML_VIEW']. */
  htmlViewEnabled: boolean;
  /** FEATURES['ENABLE_CERTIFICATES_IDV_REQUIREMENT']. */
  idvRequired: boolean;
  /** FEATURES['DISABLE_HONOR_CERTIFICATES']. */
  disableHonorCertificates: boolean;
}
