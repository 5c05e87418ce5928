import { BlockList, isIP } from "node:net";
import type { ConfigSource } from "../config-source";

export interface ConsoleConfig {
  port: number;
  host: string;
  /** Signs the session cookie; undefined only in development mode (a random one is made at start). */
  sessionSecret?: string;
  sessionIdleMinutes: number;
  cookieSecure: boolean;
  /** Members of this Django auth_group are admins (besides superusers); unset = superusers only. */
  adminGroup?: string;
  login: { maxPerIp: number; maxPerUser: number; windowSeconds: number };
  /** SSO proxy mode: trust this header's username, only from these addresses. */
  proxy: { userHeader?: string; trustedAddresses: string[] };
  metrics: { token?: string; workerPort: number; retirementCacheSeconds: number };
  healthTimeoutMs: number;
}

const HEADER_NAME = /^[A-Za-z0-9-]+$/;

export function readConsoleConfig(src: ConfigSource): ConsoleConfig {
  const developmentMode = src.bool(
    "OPENEDX_WORKERS_DEVELOPMENT_MODE",
    "Development/test mode: allows upstream's public default RETIRED_USER_SALTS. Never set it in production",
    false,
  );
  const port = src.int("CONSOLE_PORT", "Port the console listens on (console --port overrides it)", { default: 8080, min: 1, max: 65535 });
  const host = src.string("CONSOLE_HOST", "Address the console listens on (console --host overrides it); 0.0.0.0 in a container", { default: "127.0.0.1" });
  const sessionSecret = src.string("CONSOLE_SESSION_SECRET", "Secret signing the console's session cookie, at least 32 characters; required by `console` outside development mode", { secret: true });
  if (sessionSecret !== undefined && sessionSecret.length < 32) src.problem("CONSOLE_SESSION_SECRET", "must be at least 32 characters long");
  src.requirement("CONSOLE_SESSION_SECRET", () =>
    sessionSecret || developmentMode ? undefined : "is required to run the console (outside OPENEDX_WORKERS_DEVELOPMENT_MODE)",
  );
  const proxyHeader = src.string("CONSOLE_PROXY_USER_HEADER", "SSO proxy mode: header carrying the signed-in LMS username (e.g. X-Forwarded-User), trusted only from CONSOLE_TRUSTED_PROXIES; unset = off");
  if (proxyHeader !== undefined && !HEADER_NAME.test(proxyHeader)) src.problem("CONSOLE_PROXY_USER_HEADER", `"${proxyHeader}" is not a header name`);
  const trusted = src.stringList("CONSOLE_TRUSTED_PROXIES", "Addresses (IPs or CIDRs) of reverse proxies: their X-Forwarded-For is believed, and in proxy mode their user header", { default: [] });
  for (const entry of trusted) if (!parseAddress(entry)) src.problem("CONSOLE_TRUSTED_PROXIES", `"${entry}" is not an IP address or CIDR range`);
  if (proxyHeader && trusted.length === 0) src.problem("CONSOLE_TRUSTED_PROXIES", "must list the proxy's addresses when CONSOLE_PROXY_USER_HEADER is set");

  return {
    port,
    host,
    sessionSecret,
    sessionIdleMinutes: src.int("CONSOLE_SESSION_IDLE_MINUTES", "A console session ends after this many minutes without a request", { default: 30, min: 1, max: 24 * 60 }),
    cookieSecure: src.bool("CONSOLE_COOKIE_SECURE", "Mark the session cookie Secure (set true whenever the console is served over HTTPS)", false),
    adminGroup: src.string("CONSOLE_ADMIN_GROUP", "Django auth_group whose members are console admins besides superusers; unset = superusers only"),
    login: {
      maxPerIp: src.int("CONSOLE_LOGIN_MAX_PER_IP", "Sign-in attempts allowed per client address per window", { default: 20, min: 1 }),
      maxPerUser: src.int("CONSOLE_LOGIN_MAX_PER_USER", "Sign-in attempts allowed per username per window", { default: 5, min: 1 }),
      windowSeconds: src.int("CONSOLE_LOGIN_WINDOW_SECONDS", "Window of the sign-in rate limits, in seconds", { default: 300, min: 1 }),
    },
    proxy: { userHeader: proxyHeader?.toLowerCase(), trustedAddresses: trusted },
    metrics: {
      token: src.string("CONSOLE_METRICS_TOKEN", "When set, /metrics requires `Authorization: Bearer <token>` (console and workers)", { secret: true }),
      workerPort: src.int("WORKER_METRICS_PORT", "Port on which each worker process serves its own /metrics; 0 = off", { default: 0, min: 0, max: 65535 }),
      retirementCacheSeconds: src.int("CONSOLE_METRICS_CACHE_SECONDS", "How long the database-derived metrics (learners per retirement state, failed tasks) are cached", { default: 10, min: 0 }),
    },
    healthTimeoutMs: src.int("HEALTH_CHECK_TIMEOUT_MS", "Timeout of each dependency check of /readyz (Redis, database, S3)", { default: 2000, min: 50 }),
  };
}

/** An address or CIDR range as node's BlockList takes it; undefined when malformed. */
export function parseAddress(entry: string): { address: string; prefix?: number; family: "ipv4" | "ipv6" } | undefined {
  const [address, bits] = entry.split("/");
  const version = isIP(address);
  if (!version) return undefined;
  const family = version === 4 ? "ipv4" : "ipv6";
  if (bits === undefined) return { address, family };
  const prefix = /^\d+$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= (version === 4 ? 32 : 128))) return undefined;
  return { address, prefix, family };
}

/** The trusted proxies as a matcher (IPv4-mapped IPv6 client addresses are matched as IPv4). */
export function trustedAddressMatcher(entries: string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const parsed = parseAddress(entry);
    if (!parsed) continue;
    if (parsed.prefix === undefined) list.addAddress(parsed.address, parsed.family);
    else list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return (address) => {
    if (!address) return false;
    const plain = address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    return list.check(plain, isIP(plain) === 6 ? "ipv6" : "ipv4");
  };
}
