import type { ConfigSource } from "../config-source";

export interface GenerationConfig {
  /** FEATURES['CERTIFICATES_HTML_VIEW']. */
  htmlViewEnabled: boolean;
  /** FEATURES['ENABLE_CERTIFICATES_IDV_REQUIREMENT']. */
  idvRequired: boolean;
  /** FEATURES['DISABLE_HONOR_CERTIFICATES']. */
  disableHonorCertificates: boolean;
  /** settings.VERIFY_STUDENT['DAYS_GOOD_FOR']. */
  verificationDaysGoodFor: number;
  /** Cron pattern (UTC) of the database-configured batch; undefined = off. */
  batchCron?: string;
  /** Attempts per generation job (upstream: max_retries=2, so 3 attempts). */
  attempts: number;
  /** Fixed delay between attempts (upstream: default_retry_delay=30 s). */
  retryDelayMs: number;
}

export function readGenerationConfig(src: ConfigSource): GenerationConfig {
  const batchCron = src.cron(
    "CERTIFICATE_GENERATION_CRON",
    "Cron pattern (UTC) on which workers run the batch stored in certificates_certificategenerationcommandconfiguration (like cert_generation --args-from-database); unset = never",
  );
  return {
    htmlViewEnabled: src.bool(
      "CERTIFICATES_HTML_VIEW",
      "The LMS's FEATURES['CERTIFICATES_HTML_VIEW']: web certificates are on (V2 certificates are web certificates; without it nothing is generated)",
      true,
    ),
    idvRequired: src.bool(
      "ENABLE_CERTIFICATES_IDV_REQUIREMENT",
      "The LMS's FEATURES['ENABLE_CERTIFICATES_IDV_REQUIREMENT']: learners in modes other than honor, audit and no-id-professional need an approved, unexpired ID verification",
      false,
    ),
    disableHonorCertificates: src.bool("DISABLE_HONOR_CERTIFICATES", "The LMS's FEATURES['DISABLE_HONOR_CERTIFICATES']: honor enrollments earn no certificate", false),
    verificationDaysGoodFor: src.int(
      "VERIFY_STUDENT_DAYS_GOOD_FOR",
      "The LMS's VERIFY_STUDENT['DAYS_GOOD_FOR']: days an ID verification without an expiration date stays valid",
      { default: 365, min: 1 },
    ),
    batchCron,
    attempts: src.int("CERTIFICATE_GENERATION_ATTEMPTS", "Attempts per certificate generation job (upstream task: max_retries=2, i.e. 3 attempts)", { default: 3, min: 1, max: 100 }),
    retryDelayMs: src.int("CERTIFICATE_GENERATION_RETRY_DELAY_MS", "Fixed delay between attempts of a generation job, in ms (upstream: 30 s)", { default: 30000, min: 0 }),
  };
}
