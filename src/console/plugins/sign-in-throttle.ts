import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ConsoleContext } from "../console-context";

/** A refused attempt: when the client may try again, and the form's message saying so. */
interface Refusal {
  retryAfterSeconds: number;
  message: string;
}

type Limiter = ReturnType<FastifyInstance["createRateLimit"]>;

/**
 * The sign-in form's two limits, counted in Redis by @fastify/rate-limit (createRateLimit, atomic INCR + PEXPIRE):
 * - per account: the key is the account the database would match (StaffDirectory.attemptKey), so `àdmin`, `ADMIN`
 *   and `admin` share one budget as MySQL's collation makes them one user; no username reaches Redis;
 * - per client address, IPv6 grouped by /64 (a host gets a whole /64, so one address each would be no limit):
 *   the plugin's own key generator with its `ipv6Subnet`; behind CONSOLE_TRUSTED_PROXIES the address is the one
 *   the proxy forwards.
 * The caller counts an attempt only after its CSRF token checked, so a forged cross-site POST counts nothing.
 * Every checked attempt counts, successful ones included, so that parallel tries cannot all pass a read-then-count.
 */
export class SignInThrottle {
  private readonly perAddress: Limiter;
  private readonly perAccount: Limiter;
  private readonly accountKeys = new WeakMap<FastifyRequest, string>();

  constructor(
    app: FastifyInstance,
    private readonly ctx: ConsoleContext,
  ) {
    const { login } = ctx.config.console;
    const timeWindow = login.windowSeconds * 1000;
    this.perAddress = app.createRateLimit({ max: login.maxPerIp, timeWindow, ipv6Subnet: 64 });
    this.perAccount = app.createRateLimit({ max: login.maxPerUser, timeWindow, keyGenerator: (r) => this.accountKeys.get(r)! });
  }

  /** Counts this attempt; a refusal when either limit is over. */
  async attempt(request: FastifyRequest, username: string): Promise<Refusal | undefined> {
    this.accountKeys.set(request, `account:${await this.ctx.staff.attemptKey(username)}`);
    const [address, account] = await Promise.all([this.perAddress(request), this.perAccount(request)]);
    const exceeded = [
      { limit: "address", result: address },
      { limit: "account", result: account },
    ].filter(({ result }) => !result.isAllowed && result.isExceeded);
    if (exceeded.length === 0) return undefined;
    const retryAfterSeconds = Math.max(1, ...exceeded.map(({ result }) => ("ttlInSeconds" in result ? Number(result.ttlInSeconds) : 0)));
    this.ctx.logger.warn("console sign-in rate limit reached", { ip: request.ip, limits: exceeded.map((e) => e.limit), retryAfterSeconds });
    return { retryAfterSeconds, message: retryMessage(retryAfterSeconds) };
  }
}

/** "Try again in 4 minutes (after 14:05 UTC)." */
function retryMessage(seconds: number, now = Date.now()): string {
  const at = new Date(Math.ceil((now + seconds * 1000) / 60_000) * 60_000).toISOString().slice(11, 16);
  const wait = seconds < 90 ? `${seconds} second${seconds === 1 ? "" : "s"}` : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many sign-in attempts. Try again in ${wait} (after ${at} UTC).`;
}
