import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ConsoleContext } from "../console-context";
import { csrfToken, requireCsrf } from "../guards";
import { safeNext } from "../safe-redirect";
import { SignInThrottle } from "./sign-in-throttle";

/** Django admin's own words for a refused sign-in: the same for unknown users, wrong passwords and non-staff. */
const SIGN_IN_REFUSED = "Please enter the correct username and password for a staff account. Note that both fields may be case-sensitive.";

interface LoginBody {
  username?: string;
  password?: string;
  next?: string;
}

/**
 * GET/POST /login (a plain form with `username`, `password` and the CSRF token, as Django admin's) and GET/POST
 * /logout. Nothing is written to Redis before a sign-in attempt whose CSRF token checks: the form's token lives in a
 * signed cookie, and only such attempts count against the limits (SignInThrottle).
 */
export async function signInPlugin(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { staff, config, logger } = opts.ctx;
  const sessions = app.consoleSessions;
  const throttle = new SignInThrottle(app, opts.ctx);

  const form = (request: FastifyRequest, reply: FastifyReply, data: { error?: string; username?: string; next?: string }) =>
    reply.render("login.eta", {
      title: "Sign in",
      csrfToken: csrfToken(request, reply),
      username: data.username ?? "",
      error: data.error,
      next: safeNext(data.next ?? (request.query as { next?: string }).next),
    });

  /**
   * With CONSOLE_COOKIE_SECURE=true the browser keeps the console's cookies only over HTTPS, and @fastify/session
   * silently sets none on a request it sees as plain HTTP: say so on the page instead of failing the next POST
   * with a bare 403. A request is HTTPS when a CONSOLE_TRUSTED_PROXIES address sends X-Forwarded-Proto: https.
   */
  async function requireHttpsWhenSecure(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    if (!config.console.cookieSecure || request.protocol === "https") return;
    logger.warn("console: sign-in over plain HTTP while CONSOLE_COOKIE_SECURE=true", { ip: request.ip });
    return reply.code(400).type("text/html").render("error.eta", {
      title: "Sign-in needs HTTPS",
      message:
        "This console marks its cookies Secure (CONSOLE_COOKIE_SECURE=true), but this request did not come over HTTPS " +
        "through a proxy listed in CONSOLE_TRUSTED_PROXIES (with X-Forwarded-Proto: https). Open the console's https:// " +
        "address, or have the operator fix those two settings.",
    });
  }

  app.get("/login", { preHandler: requireHttpsWhenSecure }, async (request, reply) => {
    if (await sessions.current(request)) return reply.redirect(safeNext((request.query as { next?: string }).next));
    return form(request, reply.type("text/html"), {});
  });

  app.post<{ Body: LoginBody }>("/login", { preHandler: [requireHttpsWhenSecure, requireCsrf(app)] }, async (request, reply) => {
    const username = String(request.body?.username ?? "").trim();
    const password = String(request.body?.password ?? "");
    const limited = await throttle.attempt(request, username);
    if (limited) {
      return form(request, reply.code(429).header("retry-after", limited.retryAfterSeconds).type("text/html"), { error: limited.message, username, next: request.body?.next });
    }
    const outcome = await staff.signIn(username, password);
    if ("refused" in outcome) {
      logger.info("console sign-in refused", { reason: outcome.refused, ip: request.ip });
      return form(request, reply.code(401).type("text/html"), { error: SIGN_IN_REFUSED, username, next: request.body?.next });
    }
    await sessions.start(request, outcome.account);
    logger.info("console sign-in", { userId: outcome.account.user.id, role: outcome.account.user.role, ip: request.ip });
    return reply.redirect(safeNext(request.body?.next));
  });

  // A page with the sign-out button, for links (bull-board's menu): sign-out itself is a POST with the CSRF token.
  app.get("/logout", async (request, reply) => {
    const user = await sessions.current(request);
    if (!user) return reply.redirect("/login");
    return reply.type("text/html").render("logout.eta", { title: "Sign out", csrfToken: csrfToken(request, reply), staff: user });
  });

  const csrf = requireCsrf(app);
  app.post("/logout", {
    // Without a session there is nothing to end (and no session its token could be bound to).
    preHandler: (request, reply, done) => (request.session.userId === undefined ? done() : csrf(request, reply, done)),
  }, async (request, reply) => {
    const userId = request.session.userId;
    if (userId !== undefined) await request.session.destroy();
    reply.clearCookie("XSRF-TOKEN", { path: "/" });
    if (userId !== undefined) logger.info("console sign-out", { userId });
    return reply.redirect("/login");
  });
}
