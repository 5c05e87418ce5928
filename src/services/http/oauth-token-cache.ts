import type { OAuthClient } from "../../config/sections/retirement-services";
import { HttpCallFailure, excerpt, sendHttp, statusText } from "./http-client";

interface CachedToken {
  token: string;
  renewAt: number;
}

/** The token endpoint itself failed (a status, or no response): callers tell it apart from the service's answer. */
export class TokenRequestFailure extends HttpCallFailure {
  constructor(failure: HttpCallFailure) {
    super(failure.failure, failure.description, failure.response);
    this.name = "TokenRequestFailure";
  }
}

interface TokenCacheOptions {
  timeoutMs: number;
  renewMarginMs: number;
  /** The token endpoint of an LMS base URL (each caller follows its upstream client's rule). */
  tokenUrl(lmsBaseUrl: string): string;
  /** How the client identifies itself to the token endpoint, as its upstream counterpart does. */
  userAgent: string;
  now?: () => number;
}

/** The retirement driver's token endpoint (edx_api.py): urljoin(f"{lms}/", "/oauth2/access_token"), any path dropped. */
export const retirementTokenUrl = (lmsBaseUrl: string): string => new URL("/oauth2/access_token", lmsBaseUrl).toString();

/**
 * edx-rest-api-client's `_get_oauth_url`, how the IDAs reach the LMS with BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL:
 * a URL ending in /access_token is used as it is, one ending in /oauth2 gets /access_token, anything else
 * /oauth2/access_token.
 */
export function restApiClientTokenUrl(url: string): string {
  const stripped = url.replace(/\/+$/, "");
  if (stripped.endsWith("/access_token")) return url;
  if (stripped.endsWith("/oauth2")) return `${stripped}/access_token`;
  return `${stripped}/oauth2/access_token`;
}

/**
 * JWT access tokens of a service user, fetched with client credentials from the LMS (`POST <token URL>`, form
 * grant_type/client_id/client_secret/token_type=jwt, as upstream's clients do) and kept in memory per service
 * host: renewed shortly before they expire, and at once when a service answers 401. Concurrent callers share one
 * fetch. Tokens never leave this process (Redis holds no secrets).
 */
export class OAuthTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  /** Token requests made, for tests and metrics. */
  fetches = 0;

  constructor(private readonly opts: TokenCacheOptions) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private key(lmsBaseUrl: string, client: OAuthClient, serviceUrl: string): string {
    return `${new URL(serviceUrl).host}|${new URL(lmsBaseUrl).origin}|${client.clientId}`;
  }

  async token(lmsBaseUrl: string, client: OAuthClient, serviceUrl: string): Promise<string> {
    const key = this.key(lmsBaseUrl, client, serviceUrl);
    const cached = this.tokens.get(key);
    if (cached && this.now() < cached.renewAt) return cached.token;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetch(lmsBaseUrl, client).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const fresh = await pending;
    this.tokens.set(key, fresh);
    return fresh.token;
  }

  /** A service refused `token` (401): forget it, unless another step already replaced it. */
  invalidate(lmsBaseUrl: string, client: OAuthClient, serviceUrl: string, token: string): void {
    const key = this.key(lmsBaseUrl, client, serviceUrl);
    if (this.tokens.get(key)?.token === token) this.tokens.delete(key);
  }

  private async fetch(lmsBaseUrl: string, client: OAuthClient): Promise<CachedToken> {
    try {
      return await this.request(lmsBaseUrl, client);
    } catch (err) {
      throw err instanceof HttpCallFailure ? new TokenRequestFailure(err) : err;
    }
  }

  private async request(lmsBaseUrl: string, client: OAuthClient): Promise<CachedToken> {
    const url = this.opts.tokenUrl(lmsBaseUrl);
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: client.clientId, client_secret: client.clientSecret, token_type: "jwt" });
    this.fetches++;
    const started = this.now();
    const res = await sendHttp(
      {
        method: "POST",
        url,
        headers: { "User-Agent": this.opts.userAgent, "Content-Type": "application/x-www-form-urlencoded" },
        body: form.toString(),
        timeoutMs: this.opts.timeoutMs,
      },
      url,
    );
    if (res.status < 200 || res.status >= 300) {
      throw new HttpCallFailure(
        { kind: "status", status: res.status },
        `fetching an access token for client ${client.clientId}: ${statusText(res.status, res.statusText, url)}\n${excerpt(res.body)}`,
        res,
      );
    }
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(res.body);
    } catch {
      parsed = {};
    }
    if (typeof parsed.access_token !== "string" || parsed.access_token === "") {
      throw new HttpCallFailure({ kind: "status", status: res.status }, `fetching an access token: ${url} answered ${res.status} without access_token`, res);
    }
    // DOT's default lifetime is 1 hour; renew a margin before expiry, at most half the lifetime early.
    const lifetimeMs = (typeof parsed.expires_in === "number" && parsed.expires_in > 0 ? parsed.expires_in : 3600) * 1000;
    return { token: parsed.access_token, renewAt: started + lifetimeMs - Math.min(this.opts.renewMarginMs, lifetimeMs / 2) };
  }
}
