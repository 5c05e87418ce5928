import fs from "node:fs";
import YAML from "yaml";
import { z } from "zod";
import { EDX_SERVICES, GENERIC_METHOD, serviceUrl, unknownPlaceholders, type EdxServiceName, type HttpMethodName } from "../../domain/retirement/http-methods";
import type { RetryTimings } from "../../domain/retirement/http-retry-policy";
import type { PipelineStep } from "../../domain/retirement/retirement-pipeline";
import type { SectionChecks } from "../section";
import { int, text, variable, type ValuesOf } from "../variable";

/**
 * Where the HTTP pipeline steps go and how they authenticate: upstream's driver config (`RETIREMENT_DRIVER_CONFIG`,
 * the YAML the driver runs with: base_urls, client_id, client_secret, retirement_pipeline, third-party keys),
 * overridden by explicit variables.
 */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

/** A service upstream does not know, called by the generic method with templates (see docs/retirement.md). */
interface GenericHttpService {
  method: HttpMethodName;
  /** Absolute URL template with {user_id}, {username}, {retired_username}. */
  url: string;
  body?: unknown;
  successStatuses: number[];
  /** "jwt": the retirement service user's token from the LMS (as upstream's GenericRetirementApi); "none". */
  auth: "jwt" | "none";
}

type BaseUrlKey = (typeof EDX_SERVICES)[EdxServiceName] | "segment";

export interface RetirementServicesConfig {
  baseUrls: Partial<Record<BaseUrlKey, string>>;
  client?: OAuthClient;
  /** Per-service OAuth clients (RETIREMENT_OAUTH_CLIENTS), for a service whose application differs from `client`. */
  clients: Record<string, OAuthClient>;
  timeoutMs: number;
  retry: RetryTimings;
  tokenRenewMarginMs: number;
  thirdPartyMaxTries: number;
  braze: { apiKey?: string; baseUrl?: string };
  amplitude: { apiKey?: string; secretKey?: string; baseUrl: string };
  hubspot: { apiKey?: string; baseUrl: string };
  segment: { authToken?: string; workspaceSlug?: string };
  generic: Record<string, GenericHttpService>;
}

/** Upstream's driver config file, as far as this service uses it; the rest (s3_archive, jenkins…) is ignored. */
interface DriverConfig {
  retirement_pipeline?: unknown[];
  base_urls?: Record<string, unknown>;
  client_id?: unknown;
  client_secret?: unknown;
  [key: string]: unknown;
}

const BASE_URL_VARS = {
  lms: "RETIREMENT_LMS_BASE_URL",
  ecommerce: "RETIREMENT_ECOMMERCE_BASE_URL",
  credentials: "RETIREMENT_CREDENTIALS_BASE_URL",
  license_manager: "RETIREMENT_LICENSE_MANAGER_BASE_URL",
  demographics: "RETIREMENT_DEMOGRAPHICS_BASE_URL",
  segment: "RETIREMENT_SEGMENT_BASE_URL",
} as const satisfies Record<BaseUrlKey, string>;

/** An http(s) URL; the driver config's values go through the same check. */
const httpUrl = () =>
  text().check((ctx) => {
    if (!URL.canParse(ctx.value)) ctx.issues.push({ code: "custom", message: "is not a valid URL", input: ctx.value });
    else {
      const { protocol } = new URL(ctx.value);
      if (protocol !== "http:" && protocol !== "https:") ctx.issues.push({ code: "custom", message: `must be an http or https URL, got protocol ${protocol}`, input: ctx.value });
    }
  });

/** A mapping: a YAML mapping in the config file, or a JSON object in the environment. */
export const mapping = () =>
  z.preprocess(
    (v, ctx) => {
      if (typeof v !== "string") return v;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.issues.push({ code: "custom", message: "is not a valid JSON object", input: v });
        return z.NEVER;
      }
    },
    z.record(z.string(), z.unknown(), { error: "must be a mapping (a JSON object or a YAML mapping)" }),
  );

const baseUrlVariable = (key: BaseUrlKey) =>
  variable(httpUrl(), { description: `Base URL of ${key === "lms" ? "the LMS (also where OAuth tokens come from)" : key} for the HTTP pipeline steps (driver config base_urls.${key})` });
const secret = (description: string) => variable(text(), { description, secret: true });

/** The retirement section's variables for the HTTP steps (in the order the reference lists them). */
export const DRIVER_CONFIG_VARIABLE = {
  RETIREMENT_DRIVER_CONFIG: variable(text(), {
    description: "Path of upstream's retirement driver YAML (retirement_pipeline, base_urls, client_id, client_secret, third-party keys); explicit variables override its values",
  }),
};

export const RETIREMENT_SERVICE_VARIABLES = {
  RETIREMENT_LMS_BASE_URL: baseUrlVariable("lms"),
  RETIREMENT_ECOMMERCE_BASE_URL: baseUrlVariable("ecommerce"),
  RETIREMENT_CREDENTIALS_BASE_URL: baseUrlVariable("credentials"),
  RETIREMENT_LICENSE_MANAGER_BASE_URL: baseUrlVariable("license_manager"),
  RETIREMENT_DEMOGRAPHICS_BASE_URL: baseUrlVariable("demographics"),
  RETIREMENT_SEGMENT_BASE_URL: baseUrlVariable("segment"),
  RETIREMENT_CLIENT_ID: variable(text(), { description: "OAuth client id of the LMS retirement service user's application (driver config client_id)" }),
  RETIREMENT_CLIENT_SECRET: secret("OAuth client secret of that application (driver config client_secret)"),
  RETIREMENT_BRAZE_INSTANCE: variable(text(), { description: "Braze REST instance, e.g. 'iad-01' for https://rest.iad-01.braze.com (driver config braze_instance)" }),
  RETIREMENT_BRAZE_BASE_URL: variable(httpUrl(), { description: "Braze REST endpoint; overrides the one derived from RETIREMENT_BRAZE_INSTANCE" }),
  RETIREMENT_HTTP_TIMEOUT_MS: variable(int({ min: 100 }), {
    description: "Timeout of each HTTP request of a retirement step, response body included (upstream has none; a hung service must not hold a worker)",
    default: 30000,
  }),
  RETIREMENT_HTTP_RETRY_BASE_MS: variable(int({ min: 0 }), {
    description: "First wait before retrying a connection error or a 5xx (doubling: 1 s, 2 s, 4 s… as upstream's backoff.expo); waits are delayed jobs, not sleeps",
    default: 1000,
  }),
  RETIREMENT_HTTP_RETRY_MAX_MS: variable(int({ min: 0 }), {
    description: "Give up retrying a step (learner ERRORED) once this long has passed since its first failure (upstream max_time 600 s)",
    default: 600000,
  }),
  RETIREMENT_HTTP_504_RETRY_MS: variable(int({ min: 0 }), { description: "Wait before the one extra try after a 504 Gateway Timeout (upstream 60 s)", default: 60000 }),
  RETIREMENT_TOKEN_RENEW_MARGIN_MS: variable(int({ min: 0 }), { description: "Renew a cached OAuth token this long before it expires (at most half its lifetime)", default: 60000 }),
  RETIREMENT_THIRD_PARTY_MAX_TRIES: variable(int({ min: 1 }), { description: "Tries of a Braze/Amplitude/Hubspot/Segment call on 429 or 5xx (upstream 5; Segment 4)", default: 5 }),
  RETIREMENT_BRAZE_API_KEY: secret("Braze REST API key for BRAZE.delete_user (driver config braze_api_key)"),
  RETIREMENT_AMPLITUDE_API_KEY: secret("Amplitude API key for AMPLITUDE.delete_user (driver config amplitude_api_key)"),
  RETIREMENT_AMPLITUDE_SECRET_KEY: secret("Amplitude secret key (driver config amplitude_secret_key)"),
  RETIREMENT_AMPLITUDE_BASE_URL: variable(httpUrl(), { description: "Amplitude endpoint (EU residency: https://analytics.eu.amplitude.com/)", default: "https://amplitude.com/" }),
  RETIREMENT_HUBSPOT_API_KEY: secret("Hubspot private-app token for HUBSPOT.delete_user (driver config hubspot_api_key)"),
  RETIREMENT_HUBSPOT_BASE_URL: variable(httpUrl(), { description: "Hubspot API endpoint", default: "https://api.hubapi.com" }),
  RETIREMENT_SEGMENT_AUTH_TOKEN: secret("Segment Config API token for SEGMENT.delete_and_suppress_learner (driver config segment_auth_token)"),
  RETIREMENT_SEGMENT_WORKSPACE_SLUG: variable(text(), { description: "Segment workspace slug (driver config segment_workspace_slug)" }),
  RETIREMENT_HTTP_SERVICES: variable(mapping(), {
    description: `Services upstream does not know, called with the generic method "${GENERIC_METHOD}": a mapping NAME → {url, method (POST), body, success_statuses ([200, 201, 202, 204]), auth (jwt|none)}; url and body may use {user_id}, {username}, {retired_username}. Upstream's EXTRA_SERVICES_TO_RETIRE_FROM form {service_base_url, retirement_url_path} is accepted too`,
  }),
  RETIREMENT_OAUTH_CLIENTS: variable(mapping(), {
    description: "Per-service OAuth applications, a mapping SERVICE → {client_id, client_secret}, for services whose tokens come from another client than RETIREMENT_CLIENT_ID (tokens are always issued by the LMS)",
    secret: true,
  }),
};

export function readDriverConfig(path: string | undefined, src: SectionChecks): DriverConfig | undefined {
  if (!path) return undefined;
  let parsed: unknown;
  try {
    parsed = YAML.parse(fs.readFileSync(path, "utf8"));
  } catch (err) {
    src.problem("RETIREMENT_DRIVER_CONFIG", `cannot read YAML file ${path}: ${(err as Error).message}`);
    return undefined;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    src.problem("RETIREMENT_DRIVER_CONFIG", `${path} must hold a mapping (client_id, client_secret, base_urls, retirement_pipeline…)`);
    return undefined;
  }
  const config = parsed as DriverConfig;
  if (config.base_urls !== undefined && (typeof config.base_urls !== "object" || config.base_urls === null || Array.isArray(config.base_urls))) {
    src.problem("RETIREMENT_DRIVER_CONFIG", "base_urls must be a mapping (lms, ecommerce, credentials, …)");
    config.base_urls = {};
  }
  if (config.retirement_pipeline !== undefined && !Array.isArray(config.retirement_pipeline)) {
    src.problem("RETIREMENT_DRIVER_CONFIG", "retirement_pipeline must be a list of [START_STATE, END_STATE, SERVICE, METHOD]");
    config.retirement_pipeline = undefined;
  }
  return config;
}

function fromDriver(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : typeof value === "number" ? String(value) : undefined;
}

/** A URL taken from the driver config, checked like the variable it stands in for. */
function driverUrl(src: SectionChecks, name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = httpUrl().safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) src.problem(name, issue.message);
  return undefined;
}

export function buildRetirementServices(v: ValuesOf<typeof RETIREMENT_SERVICE_VARIABLES>, driver: DriverConfig | undefined, src: SectionChecks): RetirementServicesConfig {
  const baseUrls: Partial<Record<BaseUrlKey, string>> = {};
  for (const [key, name] of Object.entries(BASE_URL_VARS) as Array<[BaseUrlKey, (typeof BASE_URL_VARS)[BaseUrlKey]]>) {
    const url = v[name] ?? driverUrl(src, name, fromDriver(driver?.base_urls?.[key]));
    if (url) baseUrls[key] = url;
  }
  const orDriver = (value: string | undefined, driverKey: string) => value ?? fromDriver(driver?.[driverKey]);
  const clientId = orDriver(v.RETIREMENT_CLIENT_ID, "client_id");
  const clientSecret = orDriver(v.RETIREMENT_CLIENT_SECRET, "client_secret");
  const brazeInstance = orDriver(v.RETIREMENT_BRAZE_INSTANCE, "braze_instance");

  return {
    baseUrls,
    client: clientId && clientSecret ? { clientId, clientSecret } : undefined,
    clients: readOAuthClients(v.RETIREMENT_OAUTH_CLIENTS, src),
    timeoutMs: v.RETIREMENT_HTTP_TIMEOUT_MS,
    retry: { baseDelayMs: v.RETIREMENT_HTTP_RETRY_BASE_MS, maxElapsedMs: v.RETIREMENT_HTTP_RETRY_MAX_MS, gatewayTimeoutRetryMs: v.RETIREMENT_HTTP_504_RETRY_MS },
    tokenRenewMarginMs: v.RETIREMENT_TOKEN_RENEW_MARGIN_MS,
    thirdPartyMaxTries: v.RETIREMENT_THIRD_PARTY_MAX_TRIES,
    braze: {
      apiKey: orDriver(v.RETIREMENT_BRAZE_API_KEY, "braze_api_key"),
      baseUrl: v.RETIREMENT_BRAZE_BASE_URL ?? (brazeInstance ? `https://rest.${brazeInstance}.braze.com` : undefined),
    },
    amplitude: {
      apiKey: orDriver(v.RETIREMENT_AMPLITUDE_API_KEY, "amplitude_api_key"),
      secretKey: orDriver(v.RETIREMENT_AMPLITUDE_SECRET_KEY, "amplitude_secret_key"),
      baseUrl: v.RETIREMENT_AMPLITUDE_BASE_URL,
    },
    hubspot: { apiKey: orDriver(v.RETIREMENT_HUBSPOT_API_KEY, "hubspot_api_key"), baseUrl: v.RETIREMENT_HUBSPOT_BASE_URL },
    segment: {
      authToken: orDriver(v.RETIREMENT_SEGMENT_AUTH_TOKEN, "segment_auth_token"),
      workspaceSlug: orDriver(v.RETIREMENT_SEGMENT_WORKSPACE_SLUG, "segment_workspace_slug"),
    },
    generic: readGenericServices(v.RETIREMENT_HTTP_SERVICES, src),
  };
}

/** RETIREMENT_OAUTH_CLIENTS: SERVICE → {client_id, client_secret}; tokens still come from the LMS. */
function readOAuthClients(raw: Record<string, unknown> | undefined, src: SectionChecks): Record<string, OAuthClient> {
  const clients: Record<string, OAuthClient> = {};
  for (const [service, value] of Object.entries(raw ?? {})) {
    const v = (value ?? {}) as Record<string, unknown>;
    if (typeof v.client_id !== "string" || typeof v.client_secret !== "string" || !v.client_id || !v.client_secret) {
      src.problem("RETIREMENT_OAUTH_CLIENTS", `service ${service}: needs client_id and client_secret`);
      continue;
    }
    clients[service] = { clientId: v.client_id, clientSecret: v.client_secret };
  }
  return clients;
}

/** The OAuth client a service's JWT is requested with: its own, or the retirement service user's. */
export function clientFor(services: RetirementServicesConfig, service: string): OAuthClient | undefined {
  return services.clients[service] ?? services.client;
}

const HTTP_METHODS: HttpMethodName[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** RETIREMENT_HTTP_SERVICES: NAME → {url, method, body, success_statuses, auth}; each NAME becomes a pipeline SERVICE. */
function readGenericServices(raw: Record<string, unknown> | undefined, src: SectionChecks): Record<string, GenericHttpService> {
  const NAME = "RETIREMENT_HTTP_SERVICES";
  const services: Record<string, GenericHttpService> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const where = `service ${name}`;
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) src.problem(NAME, `${where}: names are upper-case words (A-Z, 0-9, _), as pipeline SERVICEs`);
    if (Object.keys(EDX_SERVICES).includes(name) || ["BRAZE", "AMPLITUDE", "HUBSPOT", "SEGMENT"].includes(name)) {
      src.problem(NAME, `${where}: is a built-in service name`);
      continue;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      src.problem(NAME, `${where}: must be a mapping with at least url`);
      continue;
    }
    const v = { ...(value as Record<string, unknown>) };
    // Upstream's EXTRA_SERVICES_TO_RETIRE_FROM form: service_base_url + retirement_url_path, POST {edx_lms_user_id}.
    if (typeof v.service_base_url === "string" && v.url === undefined) {
      v.url = serviceUrl(v.service_base_url, typeof v.retirement_url_path === "string" ? v.retirement_url_path : "");
      v.body ??= { edx_lms_user_id: "{user_id}" };
      delete v.service_base_url;
      delete v.retirement_url_path;
    }
    const known = ["url", "method", "body", "success_statuses", "auth"];
    for (const key of Object.keys(v)) if (!known.includes(key)) src.problem(NAME, `${where}: unknown key ${key} (known: ${known.join(", ")})`);
    const url = typeof v.url === "string" ? v.url : undefined;
    if (!url || !/^https?:\/\//.test(url)) src.problem(NAME, `${where}: url must be an absolute http(s) URL template`);
    const method = (typeof v.method === "string" ? v.method.toUpperCase() : "POST") as HttpMethodName;
    if (!HTTP_METHODS.includes(method)) src.problem(NAME, `${where}: method must be one of ${HTTP_METHODS.join(", ")}`);
    const statuses = v.success_statuses ?? [200, 201, 202, 204];
    const okStatuses = Array.isArray(statuses) && statuses.every((s) => Number.isInteger(s) && s >= 100 && s <= 599) ? (statuses as number[]) : undefined;
    if (!okStatuses) src.problem(NAME, `${where}: success_statuses must be a list of HTTP statuses`);
    const auth = v.auth ?? "jwt";
    if (auth !== "jwt" && auth !== "none") src.problem(NAME, `${where}: auth must be jwt or none`);
    const unknown = [...unknownPlaceholders(url), ...unknownPlaceholders(v.body)];
    if (unknown.length > 0) src.problem(NAME, `${where}: unknown placeholder(s) ${unknown.map((u) => `{${u}}`).join(", ")}`);
    if (url) services[name] = { method, url, body: v.body, successStatuses: okStatuses ?? [], auth: auth === "none" ? "none" : "jwt" };
  }
  return services;
}

/** A setting a pipeline step needs: its driver-config key and our variable. */
interface Setting {
  key: string;
  variable: string;
}

const LMS_AUTH: Setting[] = [
  { key: "base_urls.lms", variable: "RETIREMENT_LMS_BASE_URL" },
  { key: "client_id", variable: "RETIREMENT_CLIENT_ID" },
  { key: "client_secret", variable: "RETIREMENT_CLIENT_SECRET" },
];

/** The settings a step needs that are not set (empty for database steps and complete services). */
function missingFor(step: PipelineStep, s: RetirementServicesConfig): Setting[] {
  const need: Array<[boolean, Setting]> = [];
  const lmsAuth = () => {
    const client = !!clientFor(s, step.service);
    need.push([!!s.baseUrls.lms, LMS_AUTH[0]], [client, LMS_AUTH[1]], [client, LMS_AUTH[2]]);
  };
  const edxKey = EDX_SERVICES[step.service as EdxServiceName];
  if (edxKey && (step.service !== "LMS" || step.method.startsWith("retirement_"))) {
    if (edxKey !== "lms") need.push([!!s.baseUrls[edxKey], { key: `base_urls.${edxKey}`, variable: BASE_URL_VARS[edxKey] }]);
    lmsAuth();
  } else if (step.service === "BRAZE") {
    need.push([!!s.braze.apiKey, { key: "braze_api_key", variable: "RETIREMENT_BRAZE_API_KEY" }], [!!s.braze.baseUrl, { key: "braze_instance", variable: "RETIREMENT_BRAZE_INSTANCE" }]);
  } else if (step.service === "AMPLITUDE") {
    need.push([!!s.amplitude.apiKey, { key: "amplitude_api_key", variable: "RETIREMENT_AMPLITUDE_API_KEY" }], [!!s.amplitude.secretKey, { key: "amplitude_secret_key", variable: "RETIREMENT_AMPLITUDE_SECRET_KEY" }]);
  } else if (step.service === "HUBSPOT") {
    need.push([!!s.hubspot.apiKey, { key: "hubspot_api_key", variable: "RETIREMENT_HUBSPOT_API_KEY" }]);
  } else if (step.service === "SEGMENT") {
    need.push(
      [!!s.baseUrls.segment, { key: "base_urls.segment", variable: "RETIREMENT_SEGMENT_BASE_URL" }],
      [!!s.segment.authToken, { key: "segment_auth_token", variable: "RETIREMENT_SEGMENT_AUTH_TOKEN" }],
      [!!s.segment.workspaceSlug, { key: "segment_workspace_slug", variable: "RETIREMENT_SEGMENT_WORKSPACE_SLUG" }],
    );
  } else if (s.generic[step.service]?.auth === "jwt") {
    lmsAuth();
  }
  return need.filter(([ok]) => !ok).map(([, setting]) => setting);
}

/**
 * What a retirement worker checks at start: every setting the pipeline's HTTP steps need, one problem per missing
 * setting naming the steps that need it and how to drop them. A step is never skipped silently.
 */
export function missingServiceSettings(pipeline: readonly PipelineStep[], services: RetirementServicesConfig): string[] {
  const bySetting = new Map<string, { setting: Setting; rows: string[] }>();
  pipeline.forEach((step, i) => {
    for (const setting of missingFor(step, services)) {
      const entry = bySetting.get(setting.variable) ?? { setting, rows: [] };
      entry.rows.push(`row ${i + 1} ${step.startState} (${step.service}.${step.method})`);
      bySetting.set(setting.variable, entry);
    }
  });
  return [...bySetting.values()].map(
    ({ setting, rows }) =>
      `${setting.variable} (driver config ${setting.key}) is not set, and the pipeline needs it for ${rows.join(", ")}; ` +
      `set it (or RETIREMENT_DRIVER_CONFIG), or drop those steps with an explicit RETIREMENT_PIPELINE`,
  );
}
