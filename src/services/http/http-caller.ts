import type { OAuthClient } from "../../config/sections/retirement-services";
import type { HttpMethodName } from "../../domain/retirement/http-methods";
import { pythonJson } from "../../domain/python-json";
import { HttpCallFailure, excerpt, sendHttp, statusText, type HttpResponse } from "./http-client";
import type { OAuthTokenCache } from "./oauth-token-cache";

export type RequestAuth =
  /** A service user's JWT from the LMS (`Authorization: JWT <token>`), renewed once on a 401. */
  | { kind: "jwt"; lmsBaseUrl: string; client: OAuthClient }
  | { kind: "bearer"; token: string }
  | { kind: "basic"; user: string; password: string }
  | { kind: "none" };

interface OutboundRequest {
  method: HttpMethodName;
  url: string;
  /** The URL as it may be recorded and logged: PII placeholders ({username}, {email}) left unfilled. */
  displayUrl: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Content-Type: application/json even without a body, as upstream's edX clients send it. */
  jsonContentType: boolean;
  auth: RequestAuth;
  /** Statuses that count as success. */
  accept: (status: number) => boolean;
}

export type Call = (req: OutboundRequest) => Promise<HttpResponse>;

/**
 * Sends one request to another service with its auth; a status it does not accept becomes an HttpCallFailure
 * carrying the status and the body excerpt (retirement records it as the learner's record of what went wrong;
 * callers that may not keep a body, which can echo the learner's identity, use only the status).
 */
export class HttpServiceCaller {
  constructor(
    private readonly tokens: OAuthTokenCache,
    private readonly timeoutMs: number,
    /** How this service identifies itself (User-Agent). */
    private readonly userAgent: string,
  ) {}

  readonly call: Call = async (req) => {
    let res = await this.send(req);
    if (res.response.status === 401 && req.auth.kind === "jwt") {
      // Expired or revoked early: one fresh token, one more try (a second 401 is a real refusal).
      this.tokens.invalidate(req.auth.lmsBaseUrl, req.auth.client, req.url, res.token!);
      res = await this.send(req);
    }
    const { status, statusText: reason, body } = res.response;
    if (!req.accept(status)) {
      throw new HttpCallFailure({ kind: "status", status }, `${statusText(status, reason, req.displayUrl)}\n${excerpt(body)}`, res.response);
    }
    return res.response;
  };

  private async send(req: OutboundRequest): Promise<{ response: HttpResponse; token?: string }> {
    const headers: Record<string, string> = { "User-Agent": this.userAgent };
    if (req.jsonContentType || req.json !== undefined) headers["Content-Type"] = "application/json";
    let token: string | undefined;
    if (req.auth.kind === "jwt") {
      token = await this.tokens.token(req.auth.lmsBaseUrl, req.auth.client, req.url);
      headers.Authorization = `JWT ${token}`;
    } else if (req.auth.kind === "bearer") {
      headers.Authorization = `Bearer ${req.auth.token}`;
    } else if (req.auth.kind === "basic") {
      headers.Authorization = `Basic ${Buffer.from(`${req.auth.user}:${req.auth.password}`).toString("base64")}`;
    }
    const body = req.json === undefined ? undefined : pythonJson(req.json);
    const response = await sendHttp({ method: req.method, url: req.url, headers, body, timeoutMs: this.timeoutMs }, req.displayUrl);
    return { response, token };
  }
}
