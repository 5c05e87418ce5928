import { clientFor, type RetirementServicesConfig } from "../../../config/sections/retirement-services";
import {
  EDX_METHODS,
  EDX_SERVICES,
  GENERIC_METHOD,
  renderTemplate,
  serviceUrl,
  type EdxServiceName,
  type LearnerIdentity,
} from "../../../domain/retirement/http-methods";
import type { RetryRule } from "../../../domain/retirement/http-retry-policy";
import type { PipelineStep } from "../../../domain/retirement/retirement-pipeline";
import { HttpCallFailure, excerpt } from "../../http/http-client";
import type { Call, RequestAuth } from "../../http/http-caller";

/** One HTTP pipeline method: its requests for a learner, and the text recorded as the step's response. */
export interface HttpRetirementMethod {
  rule: RetryRule;
  run(call: Call, learner: LearnerIdentity): Promise<string>;
}

const is2xx = (s: number) => s >= 200 && s < 300;

/** How upstream's driver renders a step's response in `Ending: … with response:` (None for 204, True for a tolerated 404). */
function edxResponseText(status: number, body: string, notFoundIsSuccess?: boolean): string {
  if (status === 404 && notFoundIsSuccess) return "True";
  if (status === 204 || body === "") return "None";
  return excerpt(body);
}

function jwtAuth(services: RetirementServicesConfig, service: string): RequestAuth {
  const client = clientFor(services, service);
  // The worker refuses to start without these for a pipeline that uses them (missingServiceSettings).
  if (!services.baseUrls.lms || !client) throw new Error("internal: JWT auth without base_urls.lms and an OAuth client");
  return { kind: "jwt", lmsBaseUrl: services.baseUrls.lms, client };
}

function edxMethod(service: EdxServiceName, method: string, services: RetirementServicesConfig): HttpRetirementMethod {
  const build = EDX_METHODS[service][method];
  const base = services.baseUrls[EDX_SERVICES[service]]!;
  return {
    rule: { kind: "edx" },
    async run(call, learner) {
      const spec = build(learner);
      const url = serviceUrl(base, spec.path);
      const res = await call({
        method: spec.method,
        url,
        displayUrl: url,
        json: spec.body,
        jsonContentType: true,
        auth: jwtAuth(services, service),
        accept: (s) => is2xx(s) || (s === 404 && !!spec.notFoundIsSuccess),
      });
      return edxResponseText(res.status, res.body, spec.notFoundIsSuccess);
    },
  };
}

function genericMethod(name: string, services: RetirementServicesConfig): HttpRetirementMethod {
  const svc = services.generic[name];
  return {
    rule: { kind: "edx" },
    async run(call, learner) {
      const res = await call({
        method: svc.method,
        url: renderTemplate(svc.url, learner, { url: true }) as string,
        displayUrl: renderTemplate(svc.url, learner, { url: true, redact: true }) as string,
        json: svc.body === undefined ? undefined : renderTemplate(svc.body, learner),
        jsonContentType: true,
        auth: svc.auth === "jwt" ? jwtAuth(services, name) : { kind: "none" },
        accept: (s) => svc.successStatuses.includes(s),
      });
      return edxResponseText(res.status, res.body);
    },
  };
}

/** Braze (braze_api.py): POST {rest endpoint}/users/delete, Bearer API key, the LMS user id as external id. */
function braze(services: RetirementServicesConfig, maxTries: number): HttpRetirementMethod {
  return {
    rule: { kind: "third-party", maxTries },
    async run(call, learner) {
      const url = `${services.braze.baseUrl!.replace(/\/+$/, "")}/users/delete`;
      await call({
        method: "POST", url, displayUrl: url, jsonContentType: true,
        json: { external_ids: [learner.userId] },
        auth: { kind: "bearer", token: services.braze.apiKey! },
        accept: (s) => s >= 200 && s < 400, // requests' response.ok
      });
      return "None";
    },
  };
}

/** Amplitude (amplitude_api.py): POST api/2/deletions/users with basic auth (API key, secret key); only 200 succeeds. */
function amplitude(services: RetirementServicesConfig, maxTries: number): HttpRetirementMethod {
  return {
    rule: { kind: "third-party", maxTries },
    async run(call, learner) {
      const url = `${services.amplitude.baseUrl.replace(/\/+$/, "")}/api/2/deletions/users`;
      await call({
        method: "POST", url, displayUrl: url, jsonContentType: true,
        json: { user_ids: [learner.userId], ignore_invalid_id: "true", requester: "user-retirement-pipeline" },
        auth: { kind: "basic", user: services.amplitude.apiKey!, password: services.amplitude.secretKey! },
        accept: (s) => s === 200,
      });
      return "None";
    },
  };
}

/** An email in a URL path as requests sends it: '@' and '+' kept, everything unsafe percent-encoded. */
function emailInPath(email: string): string {
  return encodeURIComponent(email).replace(/%40/g, "@").replace(/%2B/g, "+");
}

/**
 * Hubspot (hubspot_api.py): look the contact up by the original email, then delete it by vid; no contact (404) is
 * success. A vid already gone (404 on delete, e.g. a re-run after a crash) is success too.
 */
function hubspot(services: RetirementServicesConfig, maxTries: number): HttpRetirementMethod {
  const base = services.hubspot.baseUrl.replace(/\/+$/, "");
  const auth: RequestAuth = { kind: "bearer", token: services.hubspot.apiKey! };
  return {
    rule: { kind: "third-party", maxTries },
    async run(call, learner) {
      const lookup = await call({
        method: "GET",
        url: `${base}/contacts/v1/contact/email/${emailInPath(learner.originalEmail)}/profile`,
        displayUrl: `${base}/contacts/v1/contact/email/{email}/profile`,
        jsonContentType: true, auth,
        accept: (s) => s === 200 || s === 404,
      });
      if (lookup.status === 404) return "None";
      let vid: unknown;
      try {
        vid = (JSON.parse(lookup.body) as { vid?: unknown }).vid;
      } catch {
        vid = undefined;
      }
      if (vid === undefined || vid === null || vid === "") return "None";
      const url = `${base}/contacts/v1/contact/vid/${encodeURIComponent(String(vid))}`;
      await call({ method: "DELETE", url, displayUrl: url, jsonContentType: true, auth, accept: (s) => s === 200 || s === 404 });
      return "None";
    },
  };
}

/** Segment (segment_api.py): a Suppress_With_Delete regulation of the user id and original username. */
function segment(services: RetirementServicesConfig, maxTries: number): HttpRetirementMethod {
  return {
    rule: { kind: "third-party", maxTries },
    async run(call, learner) {
      const url = `${services.baseUrls.segment!.replace(/\/+$/, "")}/v1beta/workspaces/${services.segment.workspaceSlug!}/regulations`;
      const res = await call({
        method: "POST", url, displayUrl: url, jsonContentType: true,
        json: { regulation_type: "Suppress_With_Delete", attributes: { name: "userId", values: [String(learner.userId), learner.originalUsername] } },
        auth: { kind: "bearer", token: services.segment.authToken! },
        accept: is2xx,
      });
      let regulateId: unknown;
      try {
        regulateId = (JSON.parse(res.body) as { regulate_id?: unknown }).regulate_id;
      } catch {
        regulateId = undefined;
      }
      // Upstream fails the step when Segment's answer carries no regulate_id.
      if (regulateId === undefined) throw new HttpCallFailure({ kind: "status", status: 200 }, `${url} answered ${res.status} without regulate_id:\n${excerpt(res.body)}`);
      return "None";
    },
  };
}

/** The HTTP implementation of a pipeline step, or undefined for a database step. */
export function httpRetirementMethod(step: PipelineStep, services: RetirementServicesConfig): HttpRetirementMethod | undefined {
  const maxTries = services.thirdPartyMaxTries;
  if (step.service in EDX_METHODS && EDX_METHODS[step.service as EdxServiceName][step.method]) return edxMethod(step.service as EdxServiceName, step.method, services);
  if (step.service === "BRAZE" && step.method === "delete_user") return braze(services, maxTries);
  if (step.service === "AMPLITUDE" && step.method === "delete_user") return amplitude(services, maxTries);
  if (step.service === "HUBSPOT" && step.method === "delete_user") return hubspot(services, maxTries);
  if (step.service === "SEGMENT" && step.method === "delete_and_suppress_learner") return segment(services, maxTries);
  if (services.generic[step.service] && step.method === GENERIC_METHOD) return genericMethod(step.service, services);
  return undefined;
}
