import { defineSection } from "../section";
import { bool, cron, int, variable } from "../variable";

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
  /** edx-name-affirmation is installed in the LMS: names follow get_preferred_certificate_name's verified-name rule. */
  nameAffirmation: boolean;
}

export const generationSection = defineSection(
  {
    CERTIFICATE_GENERATION_CRON: variable(cron(), {
      description:
        "Cron pattern (UTC) on which workers run the batch stored in certificates_certificategenerationcommandconfiguration (like cert_generation --args-from-database); unset = never",
    }),
    CERTIFICATES_HTML_VIEW: variable(bool(), {
      description:
        "The LMS's FEATURES['CERTIFICATES_HTML_VIEW']: web certificates are on (V2 certificates are web certificates; without it nothing is generated)",
      default: true,
    }),
    ENABLE_CERTIFICATES_IDV_REQUIREMENT: variable(bool(), {
      description:
        "The LMS's FEATURES['ENABLE_CERTIFICATES_IDV_REQUIREMENT']: learners in modes other than honor, audit and no-id-professional need an approved, unexpired ID verification",
      default: false,
    }),
    DISABLE_HONOR_CERTIFICATES: variable(bool(), {
      description: "The LMS's FEATURES['DISABLE_HONOR_CERTIFICATES']: honor enrollments earn no certificate",
      default: false,
    }),
    VERIFY_STUDENT_DAYS_GOOD_FOR: variable(int({ min: 1 }), {
      description: "The LMS's VERIFY_STUDENT['DAYS_GOOD_FOR']: days an ID verification without an expiration date stays valid",
      default: 365,
    }),
    CERTIFICATE_GENERATION_ATTEMPTS: variable(int({ min: 1, max: 100 }), {
      description: "Attempts per certificate generation job (upstream task: max_retries=2, i.e. 3 attempts)",
      default: 3,
    }),
    CERTIFICATE_GENERATION_RETRY_DELAY_MS: variable(int({ min: 0 }), {
      description: "Fixed delay between attempts of a generation job, in ms (upstream: 30 s)",
      default: 30000,
    }),
    NAME_AFFIRMATION_INSTALLED: variable(bool(), {
      description:
        "edx-name-affirmation is installed in the LMS (it is in edx-platform's base requirements): a certificate's name is then the approved verified name of a learner who chose it for certificates, else the profile name (get_preferred_certificate_name); false = always the profile name, and the nameaffirmation_* tables are not read",
      default: true,
    }),
  },
  (v): GenerationConfig => ({
    htmlViewEnabled: v.CERTIFICATES_HTML_VIEW,
    idvRequired: v.ENABLE_CERTIFICATES_IDV_REQUIREMENT,
    disableHonorCertificates: v.DISABLE_HONOR_CERTIFICATES,
    verificationDaysGoodFor: v.VERIFY_STUDENT_DAYS_GOOD_FOR,
    batchCron: v.CERTIFICATE_GENERATION_CRON,
    attempts: v.CERTIFICATE_GENERATION_ATTEMPTS,
    retryDelayMs: v.CERTIFICATE_GENERATION_RETRY_DELAY_MS,
    nameAffirmation: v.NAME_AFFIRMATION_INSTALLED,
  }),
);
