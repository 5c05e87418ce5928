import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { ConsoleContext } from "./console-context";
import { csrfToken, isSafeMethod, refuse, requireAdmin, requireCsrf } from "./guards";
import { trustedAddressMatcher } from "../config/sections/console";

/** An area of the signed-in console: a Fastify plugin (its paths are in paths.ts, its navigation entry in NAVIGATION). */
export interface ConsoleArea {
  name: string;
  plugin: FastifyPluginAsync<{ ctx: ConsoleContext }>;
}

/**
 * Registers the areas behind one set of guards, so a new area cannot forget them:
 * - authenticate (onRequest): a session (or a trusted SSO proxy header) naming an active staff user, re-read from
 *   auth_user on each request; otherwise 401 (APIs) or a redirect to /login (pages);
 * - every state-changing request (not GET/HEAD/OPTIONS) needs the admin role (403) and a CSRF token (403); a POST
 *   that changes nothing (a look-up whose value must stay out of URLs) says `config: { readsOnly: true }` and needs
 *   the token only;
 * - GETs set the XSRF-TOKEN cookie bull-board's UI echoes (pages get their layout data from `page()`).
 */
export async function registerSignedInArea(app: FastifyInstance, ctx: ConsoleContext, areas: ConsoleArea[]): Promise<void> {
  const fromTrustedProxy = trustedAddressMatcher(ctx.config.console.proxy.trustedAddresses);
  const proxyHeader = ctx.config.console.proxy.userHeader;

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    if (proxyHeader && fromTrustedProxy(request.socket.remoteAddress)) {
      const username = request.headers[proxyHeader];
      if (typeof username === "string" && username) {
        const account = await ctx.staff.accountByUsername(username);
        if (!account) return refuse(request, reply, 403, "The account your sign-on proxy names is not an active LMS staff account.");
        if (request.session.userId !== account.user.id || !(await app.consoleSessions.current(request))) await app.consoleSessions.start(request, account);
        request.staff = account.user;
        return;
      }
    }
    const user = await app.consoleSessions.current(request);
    if (!user) return refuse(request, reply, 401, "Sign in with an LMS staff account.");
    request.staff = user;
  }

  async function xsrfCookie(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // Readable by bull-board's script (not HttpOnly), which sends it back as X-XSRF-TOKEN on its API calls.
    if (isSafeMethod(request)) reply.setCookie("XSRF-TOKEN", csrfToken(request, reply), { path: "/", sameSite: "strict", secure: ctx.config.console.cookieSecure, httpOnly: false });
  }

  await app.register(async (area) => {
    area.addHook("onRequest", authenticate);
    area.addHook("preHandler", async (request, reply) => {
      if (isSafeMethod(request) || request.routeOptions.config.readsOnly === true) return;
      return requireAdmin(request, reply);
    });
    const csrf = requireCsrf(area);
    area.addHook("preHandler", (request, reply, done) => (isSafeMethod(request) ? done() : csrf(request, reply, done)));
    area.addHook("preHandler", xsrfCookie);
    for (const a of areas) await area.register(a.plugin, { ctx });
  });
}
