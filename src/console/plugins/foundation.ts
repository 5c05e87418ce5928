import path from "node:path";
import fastifyCookie from "@fastify/cookie";
import fastifyCsrf from "@fastify/csrf-protection";
import fastifyFormbody from "@fastify/formbody";
import fastifyHelmet from "@fastify/helmet";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySession, { type SessionStore } from "@fastify/session";
import fastifyView from "@fastify/view";
import RedisStore from "connect-redis";
import { Eta } from "eta";
import type { FastifyInstance } from "fastify";
import type { ConsoleContext } from "../console-context";
import { DEFAULT_REDIRECT, safeRedirectTarget } from "../safe-redirect";
import { shared } from "./shared";

const SESSION_COOKIE = "owconsole";
const VIEWS_DIR = path.join(__dirname, "..", "views");

/**
 * The framework plugins every area relies on, registered once at the root: security headers, cookies, form bodies,
 * Redis-backed sessions, CSRF tokens kept in the session, templates (Eta, escaping by default), rate limiting.
 */
export const foundationPlugin = shared(async function foundation(app: FastifyInstance, opts: { ctx: ConsoleContext; sessionSecret: string }) {
  const { config } = opts.ctx;
  const keyPrefix = `${config.queuePrefix}:console`;
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        // Everything from the console itself: bull-board's page styles its loading screen inline, and its link to
        // Google Fonts is taken out of the page (queues-dashboard.ts).
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "upgrade-insecure-requests": config.console.cookieSecure ? [] : null,
      },
    },
    // Sites served over plain HTTP on a private address must not be pinned to HTTPS by a stray header.
    hsts: config.console.cookieSecure,
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifySession, {
    secret: opts.sessionSecret,
    cookieName: SESSION_COOKIE,
    // The session holds the user id and the CSRF secret only; it lives in Redis so sign-out really ends it.
    store: new RedisStore({ client: opts.ctx.redis, prefix: `${keyPrefix}:sess:` }) as unknown as SessionStore,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: config.console.cookieSecure,
      maxAge: config.console.sessionIdleMinutes * 60_000,
    },
  });
  await app.register(fastifyCsrf, { sessionPlugin: "@fastify/session" });
  await app.register(fastifyRateLimit, {
    global: false,
    redis: opts.ctx.redis,
    nameSpace: `${keyPrefix}:rl:`,
    // When Redis is down sign-in fails anyway (no session store); do not also turn that into a 500 here.
    skipOnError: true,
  });
  // Every redirect, not only the sign-in form's `next`: a Location that would leave the console (or that a browser
  // could read as another site) becomes the default page, whatever route built it.
  app.addHook("onSend", async (request, reply, payload) => {
    const location = reply.getHeader("location");
    if (location !== undefined && safeRedirectTarget(location) === undefined) {
      opts.ctx.logger.warn("console: refused a redirect outside the console", { route: request.routeOptions.url });
      reply.header("location", DEFAULT_REDIRECT);
    }
    return payload;
  });
  // propertyName "render": bull-board registers @fastify/view (EJS) as `view` for its own page in its own scope.
  await app.register(fastifyView, {
    engine: { eta: new Eta({ autoEscape: true, cache: true }) },
    root: VIEWS_DIR,
    propertyName: "render",
  });
});
