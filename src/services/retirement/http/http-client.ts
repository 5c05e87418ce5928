import type { Failure } from "../../../domain/retirement/http-retry-policy";

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
 * One HTTP exchange with a hard timeout covering the whole response, body included (Node's fetch, i.e. undici).
 * Redirects are not followed: a retirement endpoint that redirects is misconfigured, and following it could send
 * the service user's token elsewhere. Throws HttpCallFailure (kind "connection") when there is no response.
 */
export async function sendHttp(req: HttpRequest, displayUrl: string): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: "manual", signal });
    const body = await res.text();
    return { status: res.status, statusText: res.statusText, body };
  } catch (err) {
    const timedOut = signal.aborted;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = timedOut ? `no complete response within ${req.timeoutMs} ms` : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new HttpCallFailure({ kind: "connection" }, `${req.method} ${displayUrl}: ${timedOut ? "timed out" : "connection error"} (${why})`);
  }
}
