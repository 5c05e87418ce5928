import { BlockList, isIP } from "node:net";
import { defineSection } from "../section";
import { bool, int, stringList, text, variable } from "../variable";
import { DEVELOPMENT_MODE } from "./retirement";

interface ConsoleConfig {
  port: number;
  host: string;
  /** Signs the session cookie; undefined only in development mode (a random one is made at start). */
  sessionSecret?: string;
  sessionIdleMinutes: number;
  /** Absolute lifetime of a session, in seconds, however active it is. */
  sessionMaxAgeSeconds: number;
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

export const consoleSection = defineSection(
  {
    OPENEDX_WORKERS_DEVELOPMENT_MODE: DEVELOPMENT_MODE,
    CONSOLE_PORT: variable(int({ min: 1, max: 65535 }), { description: "Port the console listens on (console --port overrides it)", default: 8080 }),
    CONSOLE_HOST: variable(text(), { description: "Address the console listens on (console --host overrides it); 0.0.0.0 in a container", default: "127.0.0.1" }),
    CONSOLE_SESSION_SECRET: variable(text().refine((v) => v.length >= 32, "must be at least 32 characters long"), {
      description: "Secret signing the console's session cookie, at least 32 characters; required by `console` outside development mode",
      secret: true,
    }),
    CONSOLE_PROXY_USER_HEADER: variable(text().refine((v) => HEADER_NAME.test(v), { error: (iss) => `"${String(iss.input)}" is not a header name` }), {
      description: "SSO proxy mode: header carrying the signed-in LMS username (e.g. X-Forwarded-User), trusted only from CONSOLE_TRUSTED_PROXIES; unset = off",
    }),
    CONSOLE_TRUSTED_PROXIES: variable(
      stringList().check((ctx) => {
        for (const entry of ctx.value) {
          if (!parseAddress(entry)) ctx.issues.push({ code: "custom", message: `"${entry}" is not an IP address or CIDR range`, input: entry });
        }
      }),
      { description: "Addresses (IPs or CIDRs) of reverse proxies: their X-Forwarded-For is believed, and in proxy mode their user header", default: [] },
    ),
    CONSOLE_SESSION_IDLE_MINUTES: variable(int({ min: 1, max: 24 * 60 }), { description: "A console session ends after this many minutes without a request", default: 30 }),
    CONSOLE_SESSION_MAX_AGE: variable(int({ min: 60 }), {
      description: "A console session ends this many seconds after sign-in however active it is (Django's SESSION_COOKIE_AGE); 43200 = 12 hours",
      default: 43_200,
    }),
    CONSOLE_COOKIE_SECURE: variable(bool(), {
      description: "Mark the console's cookies Secure: set true when a TLS-terminating proxy serves it over HTTPS (needs CONSOLE_TRUSTED_PROXIES, whose X-Forwarded-Proto says a request came over HTTPS)",
      default: false,
    }),
    CONSOLE_ADMIN_GROUP: variable(text(), { description: "Django auth_group whose members are console admins besides superusers; unset = superusers only" }),
    CONSOLE_LOGIN_MAX_PER_IP: variable(int({ min: 1 }), { description: "Sign-in attempts allowed per client address per window", default: 20 }),
    CONSOLE_LOGIN_MAX_PER_USER: variable(int({ min: 1 }), { description: "Sign-in attempts allowed per username per window", default: 5 }),
    CONSOLE_LOGIN_WINDOW_SECONDS: variable(int({ min: 1 }), { description: "Window of the sign-in rate limits, in seconds", default: 300 }),
    CONSOLE_METRICS_TOKEN: variable(text(), { description: "When set, /metrics requires `Authorization: Bearer <token>` (console and workers)", secret: true }),
    WORKER_METRICS_PORT: variable(int({ min: 0, max: 65535 }), { description: "Port on which each worker process serves its own /metrics; 0 = off", default: 0 }),
    CONSOLE_METRICS_CACHE_SECONDS: variable(int({ min: 0 }), {
      description: "How long the database-derived metrics (learners per retirement state, failed tasks) are cached",
      default: 10,
    }),
    HEALTH_CHECK_TIMEOUT_MS: variable(int({ min: 50 }), { description: "Timeout of each dependency check of /readyz (Redis, database, S3)", default: 2000 }),
  },
  (v, checks): ConsoleConfig => {
    const sessionSecret = v.CONSOLE_SESSION_SECRET;
    checks.requirement("CONSOLE_SESSION_SECRET", () =>
      sessionSecret || v.OPENEDX_WORKERS_DEVELOPMENT_MODE ? undefined : "is required to run the console (outside OPENEDX_WORKERS_DEVELOPMENT_MODE)",
    );
    const trusted = v.CONSOLE_TRUSTED_PROXIES;
    // The console itself serves plain HTTP: Secure cookies are only set when a trusted proxy says the browser's
    // connection is HTTPS (X-Forwarded-Proto). Without one, sign-in could never work: refuse to start instead.
    checks.requirement("CONSOLE_COOKIE_SECURE", () =>
      v.CONSOLE_COOKIE_SECURE && trusted.length === 0
        ? "is true, but the console serves plain HTTP and CONSOLE_TRUSTED_PROXIES is empty: list the TLS-terminating proxy's address in CONSOLE_TRUSTED_PROXIES (its X-Forwarded-Proto: https is then believed), or set CONSOLE_COOKIE_SECURE=false"
        : undefined,
    );
    if (v.CONSOLE_PROXY_USER_HEADER && trusted.length === 0) checks.problem("CONSOLE_TRUSTED_PROXIES", "must list the proxy's addresses when CONSOLE_PROXY_USER_HEADER is set");
    return {
      port: v.CONSOLE_PORT,
      host: v.CONSOLE_HOST,
      sessionSecret,
      sessionIdleMinutes: v.CONSOLE_SESSION_IDLE_MINUTES,
      sessionMaxAgeSeconds: v.CONSOLE_SESSION_MAX_AGE,
      cookieSecure: v.CONSOLE_COOKIE_SECURE,
      adminGroup: v.CONSOLE_ADMIN_GROUP,
      login: { maxPerIp: v.CONSOLE_LOGIN_MAX_PER_IP, maxPerUser: v.CONSOLE_LOGIN_MAX_PER_USER, windowSeconds: v.CONSOLE_LOGIN_WINDOW_SECONDS },
      proxy: { userHeader: v.CONSOLE_PROXY_USER_HEADER?.toLowerCase(), trustedAddresses: trusted },
      metrics: { token: v.CONSOLE_METRICS_TOKEN, workerPort: v.WORKER_METRICS_PORT, retirementCacheSeconds: v.CONSOLE_METRICS_CACHE_SECONDS },
      healthTimeoutMs: v.HEALTH_CHECK_TIMEOUT_MS,
    };
  },
);
/** An address or CIDR range as node's BlockList takes it; undefined when malformed. */
function parseAddress(entry: string): { address: string; prefix?: number; family: "ipv4" | "ipv6" } | undefined {
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
