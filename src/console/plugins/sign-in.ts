import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ConsoleContext } from "../console-context";
import { requireCsrf, safeNext } from "../guards";

/** Django admin's own words for a refused sign-in: the same for unknown users, wrong passwords and non-staff. */
const SIGN_IN_REFUSED = "Please enter the correct username and password for a staff account. Note that both fields may be case-sensitive.";

interface LoginBody {
  username?: string;
  password?: string;
  next?: string;
}

/**
 * GET/POST /login (a plain form with `username`, `password` and the CSRF token, as Django admin's) and POST /logout.
 * Attempts are limited per client address and per username (hashed: Redis holds no usernames).
 */
export async function signInPlugin(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { staff, config, logger } = opts.ctx;
  const window = config.console.login.windowSeconds * 1000;
  // Two limits on one route: createRateLimit checks (the route-hook form lets only the first limiter run).
  const perIp = app.createRateLimit({ max: config.console.login.maxPerIp, timeWindow: window, keyGenerator: (r) => `ip:${r.ip}` });
  const perUser = app.createRateLimit({
    max: config.console.login.maxPerUser,
    timeWindow: window,
    // Hashed: Redis holds no usernames. Lower-cased so case variants share one budget.
    keyGenerator: (r) => `user:${createHash("sha256").update(String((r.body as LoginBody | undefined)?.username ?? "").trim().toLowerCase()).digest("hex").slice(0, 32)}`,
  });
  async function limitAttempts(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    const [ip, user] = await Promise.all([perIp(request), perUser(request)]);
    const exceeded = [ip, user].filter((l) => !l.isAllowed && l.isExceeded);
    if (exceeded.length === 0) return;
    const retryAfter = Math.max(...exceeded.map((l) => ("ttlInSeconds" in l ? Number(l.ttlInSeconds) : 0)), 1);
    logger.warn("console sign-in rate limit reached", { ip: request.ip, limits: exceeded.map((l) => l.key.split(":")[0]) });
    return form(request, reply.code(429).header("retry-after", retryAfter).type("text/html"), {
      error: "Too many sign-in attempts. Try again later.",
      username: String((request.body as LoginBody | undefined)?.username ?? ""),
    });
  }

  const form = (request: FastifyRequest, reply: FastifyReply, data: { error?: string; username?: string; next?: string }) =>
    reply.render("login.eta", { title: "Sign in", csrfToken: reply.generateCsrf(), username: data.username ?? "", error: data.error, next: safeNext(data.next ?? (request.query as { next?: string }).next) });

  app.get("/login", async (request, reply) => {
    if (request.session.userId !== undefined && (await staff.byId(request.session.userId))) return reply.redirect(safeNext((request.query as { next?: string }).next));
    return form(request, reply.type("text/html"), {});
  });

  app.post<{ Body: LoginBody }>("/login", { preHandler: [limitAttempts, requireCsrf(app)] }, async (request, reply) => {
    const username = String(request.body?.username ?? "").trim();
    const password = String(request.body?.password ?? "");
    const outcome = await staff.signIn(username, password);
    if ("refused" in outcome) {
      logger.info("console sign-in refused", { reason: outcome.refused, ip: request.ip });
      return form(request, reply.code(401).type("text/html"), { error: SIGN_IN_REFUSED, username, next: request.body?.next });
    }
    // A new session id at sign-in (no fixation); it holds the user id only.
    await request.session.regenerate();
    request.session.userId = outcome.user.id;
    logger.info("console sign-in", { userId: outcome.user.id, role: outcome.user.role, ip: request.ip });
    return reply.redirect(safeNext(request.body?.next));
  });

  // A page with the sign-out button, for links (bull-board's menu): sign-out itself is a POST with the CSRF token.
  app.get("/logout", async (request, reply) => {
    const user = request.session.userId === undefined ? undefined : await staff.byId(request.session.userId);
    if (!user) return reply.redirect("/login");
    return reply.type("text/html").render("logout.eta", { title: "Sign out", csrfToken: reply.generateCsrf(), staff: user });
  });

  app.post("/logout", { preHandler: requireCsrf(app) }, async (request, reply) => {
    const userId = request.session.userId;
    await request.session.destroy();
    reply.clearCookie("XSRF-TOKEN", { path: "/" });
    if (userId !== undefined) logger.info("console sign-out", { userId });
    return reply.redirect("/login");
  });
}
