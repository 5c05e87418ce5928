/**
 * The HTTP pipeline methods, as upstream's driver calls them (edx-platform scripts/user_retirement/utils/edx_api.py
 * and utils/thirdparty_apis/*). Pure data: which request a method sends for a learner. Sending, auth and retries
 * live in services/retirement/http.
 */

/** What a request may be built from. `originalUsername`/`originalEmail` are PII: they go into requests only. */
export interface LearnerIdentity {
  userId: number;
  originalUsername: string;
  originalEmail: string;
  retiredUsername: string;
}

export type HttpMethodName = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One request of an Open edX service (the retirement service user's JWT), relative to the service's base URL. */
interface EdxRequest {
  method: HttpMethodName;
  /** Path under the base URL; a trailing "/" is always added, as upstream's get_api_url does. */
  path: string;
  body?: unknown;
  /** Upstream turns a 404 into success for these (forum, license manager, demographics). */
  notFoundIsSuccess?: boolean;
}

/** The Open edX services the driver reaches with the service user's token, and their `base_urls` key. */
export const EDX_SERVICES = {
  LMS: "lms",
  ECOMMERCE: "ecommerce",
  CREDENTIALS: "credentials",
  LICENSE_MANAGER: "license_manager",
  DEMOGRAPHICS: "demographics",
} as const;
export type EdxServiceName = keyof typeof EDX_SERVICES;

const username = (l: LearnerIdentity) => ({ username: l.originalUsername });

/** Every built-in Open edX method, per service, with upstream's exact method names. */
export const EDX_METHODS: Record<EdxServiceName, Record<string, (l: LearnerIdentity) => EdxRequest>> = {
  LMS: {
    retirement_retire_forum: (l) => ({ method: "POST", path: "api/discussion/v1/accounts/retire_forum", body: username(l), notFoundIsSuccess: true }),
    retirement_unenroll: (l) => ({ method: "POST", path: "api/enrollment/v1/unenroll", body: username(l) }),
    retirement_retire_notes: (l) => ({ method: "POST", path: "api/edxnotes/v1/retire_user", body: username(l) }),
    retirement_lms_retire_misc: (l) => ({ method: "POST", path: "api/user/v1/accounts/retire_misc", body: username(l) }),
    retirement_lms_retire: (l) => ({ method: "POST", path: "api/user/v1/accounts/retire", body: username(l) }),
    retirement_partner_queue: (l) => ({ method: "PUT", path: "api/user/v1/accounts/retirement_partner_report", body: username(l) }),
    retirement_retire_proctoring_data: (l) => ({ method: "POST", path: `api/edx_proctoring/v1/retire_user/${l.userId}` }),
    retirement_retire_proctoring_backend_data: (l) => ({ method: "POST", path: `api/edx_proctoring/v1/retire_backend_user/${l.userId}` }),
  },
  ECOMMERCE: {
    retire_learner: (l) => ({ method: "POST", path: "api/v2/user/retire", body: username(l) }),
  },
  CREDENTIALS: {
    retire_learner: (l) => ({ method: "POST", path: "user/retire", body: username(l) }),
  },
  LICENSE_MANAGER: {
    retire_learner: (l) => ({
      method: "POST",
      path: "api/v1/retire_user",
      body: { lms_user_id: l.userId, original_username: l.originalUsername },
      notFoundIsSuccess: true,
    }),
  },
  DEMOGRAPHICS: {
    retire_learner: (l) => ({ method: "POST", path: "demographics/api/v1/retire_demographics", body: { lms_user_id: l.userId }, notFoundIsSuccess: true }),
  },
};

/** Third-party deletions upstream's driver supports, each with its own credentials (see services/retirement/http/third-party). */
export const THIRD_PARTY_METHODS = {
  BRAZE: ["delete_user"],
  AMPLITUDE: ["delete_user"],
  HUBSPOT: ["delete_user"],
  SEGMENT: ["delete_and_suppress_learner"],
} as const;

/** A configured service upstream does not know: one request built from templates (see `renderTemplate`). */
export const GENERIC_METHOD = "retire_learner";

/** Upstream method names that no longer exist, refused at start with the reason. */
export const REMOVED_HTTP_METHODS: Record<string, string> = {
  retirement_retire_mailings:
    "was removed upstream (DEPR-8): the LMS endpoint api/user/v1/accounts/retire_mailings/ is gone and today's driver refuses it; " +
    "the mailing opt-out now happens in retire_misc: use [RETIRING_EMAIL_LISTS, EMAIL_LISTS_COMPLETE, LMS, retire_misc] (database) " +
    "or LMS.retirement_lms_retire_misc (HTTP)",
};

/** Placeholders a generic method's URL and body may use. */
const TEMPLATE_FIELDS = ["user_id", "username", "retired_username"] as const;

function placeholderValue(field: string, l: LearnerIdentity): string | number | undefined {
  if (field === "user_id") return l.userId;
  if (field === "username") return l.originalUsername;
  if (field === "retired_username") return l.retiredUsername;
  return undefined;
}

/**
 * Fills `{user_id}`, `{username}`, `{retired_username}` in a template. In a URL the values are percent-encoded; in
 * a JSON body a string that is exactly `"{user_id}"` becomes the number, other strings get the text substituted.
 * `redact` leaves `{username}` in place, for what is recorded or logged.
 */
export function renderTemplate(template: unknown, l: LearnerIdentity, opts: { url?: boolean; redact?: boolean } = {}): unknown {
  if (typeof template === "string") {
    if (!opts.url && template === "{user_id}") return l.userId;
    return template.replace(/\{(\w+)\}/g, (whole, field: string) => {
      if (opts.redact && field === "username") return whole;
      const value = placeholderValue(field, l);
      if (value === undefined) return whole;
      return opts.url ? encodeURIComponent(String(value)) : String(value);
    });
  }
  if (Array.isArray(template)) return template.map((t) => renderTemplate(t, l, opts));
  if (template && typeof template === "object") {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, renderTemplate(v, l, opts)]));
  }
  return template;
}

/** Placeholders a template uses that are not known (a typo would otherwise be sent as is). */
export function unknownPlaceholders(template: unknown): string[] {
  const text = typeof template === "string" ? template : JSON.stringify(template ?? null);
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).filter((f) => !(TEMPLATE_FIELDS as readonly string[]).includes(f));
}

/** Joins a base URL and a path as upstream's get_api_url: no doubled slashes, always a trailing "/". */
export function serviceUrl(baseUrl: string, path: string, opts: { trailingSlash?: boolean } = {}): string {
  const base = baseUrl.replace(/\/+$/, "");
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  return `${base}/${trimmed}${opts.trailingSlash === false || trimmed === "" ? "" : "/"}`;
}
