/** One row of any of upstream's ID verification tables, reduced to what IDVerificationService.user_is_verified reads. */
export interface IdVerificationRecord {
  status: string;
  createdAt: Date;
  updatedAt: Date;
  /**
   * expiration_date (photo, SSO, manual) or expiration_datetime (verificationattempt). NULL on the first three means
   * created_at + DAYS_GOOD_FOR; NULL on a verificationattempt means no expiration datetime at all.
   */
  expiration: Date | null;
  /** Which table: only the first three fall back to created_at + DAYS_GOOD_FOR. */
  source: "photo" | "sso" | "manual" | "attempt";
}

/**
 * IDVerificationService.user_is_verified: take the most recently updated *approved* verification across
 * SoftwareSecurePhotoVerification, SSOVerification, ManualVerification and VerificationAttempt; the learner is
 * verified when its expiration datetime is now or later. As upstream, an approved VerificationAttempt without an
 * expiration datetime does not count (its expiration is None, which user_is_verified treats as not verified).
 */
export function isIdVerified(records: IdVerificationRecord[], now: Date, daysGoodFor: number): boolean {
  let latest: IdVerificationRecord | undefined;
  for (const r of records) {
    if (r.status !== "approved") continue;
    if (!latest || r.updatedAt.getTime() > latest.updatedAt.getTime()) latest = r;
  }
  if (!latest) return false;
  const expiration = expirationOf(latest, daysGoodFor);
  return expiration !== null && expiration.getTime() >= now.getTime();
}

function expirationOf(r: IdVerificationRecord, daysGoodFor: number): Date | null {
  if (r.expiration) return r.expiration;
  if (r.source === "attempt") return null;
  return new Date(r.createdAt.getTime() + daysGoodFor * 24 * 3600 * 1000);
}
