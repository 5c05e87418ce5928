import http from "node:http";
import https from "node:https";
import type { Failure } from "../../domain/retirement/http-retry-policy";

interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  body: string;
}

/**
 * A call that did not succeed: no response (connection refused/reset, DNS, our timeout) or an unwanted status.
 * `description` is safe to record: it names the redacted URL, never the request body.
 */
export class HttpCallFailure extends Error {
  constructor(
    readonly failure: Failure,
    readonly description: string,
    readonly response?: HttpResponse,
  ) {
    super(description);
    this.name = "HttpCallFailure";
  }
}

/** What is recorded of a response body: enough to diagnose, bounded so `responses` stays small. */
const BODY_EXCERPT = 2000;

export function excerpt(body: string): string {
  return body.length > BODY_EXCERPT ? `${body.slice(0, BODY_EXCERPT)}… (${body.length} characters)` : body;
}

/** requests' wording for an HTTP error ("400 Client Error: Bad Request for url: …"), as upstream records it. */
export function statusText(status: number, reason: string, displayUrl: string): string {
  const kind = status >= 500 ? "Server Error" : "Client Error";
  return `${status} ${kind}: ${reason} for url: ${displayUrl}`;
}

/**
 * Connections kept open between calls: a retirement backlog calls the same few services for every learner. Node's
 * own client rather than fetch: measured, fetch (undici's WHATWG layer) cost the worker 13 % of its CPU on a
 * retirement backlog, for the same two requests per learner.
 */
const agents = { "http:": new http.Agent({ keepAlive: true }), "https:": new https.Agent({ keepAlive: true }) };

/**
 * One HTTP exchange with a hard timeout covering the whole response, body included. Redirects are not followed: a
 * retirement endpoint that redirects is misconfigured, and following it could send the service user's token
 * elsewhere. A body is sent with its Content-Length (0 for a POST without one), as python-requests does. Throws
 * HttpCallFailure (kind "connection") when there is no response.
 */
export async function sendHttp(req: HttpRequest, displayUrl: string): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    return await new Promise<HttpResponse>((resolve, reject) => {
      const url = new URL(req.url);
      const client = url.protocol === "https:" ? https : http;
      const body = req.body === undefined ? undefined : Buffer.from(req.body);
      const headers: Record<string, string | number> = { ...req.headers };
      if (body !== undefined || !["GET", "HEAD", "DELETE", "OPTIONS"].includes(req.method)) headers["Content-Length"] = body?.length ?? 0;
      const request = client.request(url, { method: req.method, headers, agent: agents[url.protocol as keyof typeof agents], signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      request.on("error", reject);
      request.end(body);
    });
  } catch (err) {
    const timedOut = signal.aborted;
    const code = (err as { code?: string }).code;
    const why = timedOut ? `no complete response within ${req.timeoutMs} ms` : (code ?? (err as Error).message);
    throw new HttpCallFailure({ kind: "connection" }, `${req.method} ${displayUrl}: ${timedOut ? "timed out" : "connection error"} (${why})`);
  }
}
