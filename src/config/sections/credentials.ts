import { defineSection } from "../section";
import { bool, int, text, url, variable } from "../variable";
import type { OAuthClient } from "./retirement-services";

export interface CredentialsConfig {
  /**
   * CREDENTIALS_INTERNAL_SERVICE_URL, the root Credentials is reached at (a site configuration of the course's
   * org may override it, as upstream). Undefined: course certificates are not sent to Credentials at all.
   */
  internalServiceUrl?: string;
  /** The LMS token endpoint and the OAuth client the JWT is fetched with; set whenever internalServiceUrl is. */
  oauth?: { providerUrl: string; client: OAuthClient };
  requestTimeoutMs: number;
  tokenRenewMarginMs: number;
  /** award_course_certificate's MAX_RETRIES. */
  maxRetries: number;
  /** The first retry's delay; upstream's countdown is 2 ** retries seconds, so 1 s doubling. */
  retryBaseMs: number;
  /** How often the credentials queue turns pending changes into jobs. */
  drainIntervalMs: number;
  /** settings.ENABLE_LEARNER_RECORDS (a site configuration of the org may override it). */
  learnerRecordsEnabled: boolean;
}

const HTTP = ["http:", "https:"];

export const credentialsSection = defineSection(
  {
    CREDENTIALS_INTERNAL_SERVICE_URL: variable(url(HTTP), {
      description:
        "The LMS setting of the same name: root URL of the Credentials service; course certificate changes are then sent to {root}/api/v2/credentials/ as award_course_certificate does (unset = not sent)",
    }),
    BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL: variable(url(HTTP), {
      description:
        "The LMS's OAuth2 provider, as the IDAs' setting of the same name (e.g. https://lms.example.com/oauth2): the JWT sent to Credentials comes from its access_token endpoint; required with CREDENTIALS_INTERNAL_SERVICE_URL",
    }),
    BACKEND_SERVICE_EDX_OAUTH2_KEY: variable(text(), {
      description:
        "Client id of an LMS OAuth application (client credentials) whose user is the Credentials service worker (CREDENTIALS_SERVICE_USERNAME); required with CREDENTIALS_INTERNAL_SERVICE_URL",
    }),
    BACKEND_SERVICE_EDX_OAUTH2_SECRET: variable(text(), { description: "Client secret of that application", secret: true }),
    CREDENTIALS_REQUEST_TIMEOUT_MS: variable(int({ min: 100, max: 600_000 }), {
      description: "Timeout of each request to Credentials and to the token endpoint, in ms (upstream sets none for Credentials)",
      default: 10000,
    }),
    CREDENTIALS_TOKEN_RENEW_MARGIN_MS: variable(int({ min: 0 }), { description: "Renew the cached JWT this long before it expires (at most half its lifetime)", default: 60000 }),
    CREDENTIALS_MAX_RETRIES: variable(int({ min: 0, max: 30 }), {
      description: "Retries of a failed send before its job fails for good (award_course_certificate's MAX_RETRIES = 11, about 34 minutes in all)",
      default: 11,
    }),
    CREDENTIALS_RETRY_BASE_MS: variable(int({ min: 1, max: 3_600_000 }), {
      description: "Delay before the first retry, doubling after each (upstream's countdown 2 ** retries seconds)",
      default: 1000,
    }),
    CREDENTIALS_DRAIN_INTERVAL_MS: variable(int({ min: 100 }), {
      description: "How often workers of the credentials queue turn recorded certificate changes into jobs, in ms",
      default: 2000,
    }),
    ENABLE_LEARNER_RECORDS: variable(bool(), {
      description:
        "The LMS setting of the same name (default True): with it off (here or in the site configuration of the course's org) course certificates are not sent, as handle_course_cert_changed skips them",
      default: true,
    }),
  },
  (v, checks): CredentialsConfig => {
    let oauth: CredentialsConfig["oauth"];
    if (v.CREDENTIALS_INTERNAL_SERVICE_URL) {
      const missing = (["BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL", "BACKEND_SERVICE_EDX_OAUTH2_KEY", "BACKEND_SERVICE_EDX_OAUTH2_SECRET"] as const).filter((k) => !v[k]);
      for (const name of missing) checks.problem(name, "is required with CREDENTIALS_INTERNAL_SERVICE_URL (the JWT sent to Credentials comes from the LMS)");
      if (missing.length === 0) {
        oauth = { providerUrl: v.BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL!, client: { clientId: v.BACKEND_SERVICE_EDX_OAUTH2_KEY!, clientSecret: v.BACKEND_SERVICE_EDX_OAUTH2_SECRET! } };
      }
    }
    return {
      internalServiceUrl: oauth ? v.CREDENTIALS_INTERNAL_SERVICE_URL : undefined,
      oauth,
      requestTimeoutMs: v.CREDENTIALS_REQUEST_TIMEOUT_MS,
      tokenRenewMarginMs: v.CREDENTIALS_TOKEN_RENEW_MARGIN_MS,
      maxRetries: v.CREDENTIALS_MAX_RETRIES,
      retryBaseMs: v.CREDENTIALS_RETRY_BASE_MS,
      drainIntervalMs: v.CREDENTIALS_DRAIN_INTERVAL_MS,
      learnerRecordsEnabled: v.ENABLE_LEARNER_RECORDS,
    };
  },
);
