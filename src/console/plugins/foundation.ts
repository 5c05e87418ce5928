import { createHmac } from "node:crypto";
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
import { csrfBinding } from "../csrf-token";
import { paths } from "../paths";
import { DEFAULT_REDIRECT, safeRedirectTarget } from "../safe-redirect";
import { ConsoleSessions } from "./sessions";
import { VIEW_DEFAULTS } from "../view-helpers";
import { shared } from "./shared";

const SESSION_COOKIE = "owconsole";
const CSRF_COOKIE = "owconsole_csrf";
/** Where server.ts serves the console's static files. */
export const ASSETS_PREFIX = paths.assets;
const VIEWS_DIR = path.join(__dirname, "..", "views");

/**
 * The framework plugins every area relies on, registered once at the root: security headers, cookies, form bodies,
 * Redis-backed sessions (signed-in users only), CSRF tokens (signed double-submit cookie), templates (Eta, escaping by default), rate limiting.
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
  // The secret signs the CSRF cookie (the session plugin signs its own cookie with the same secret).
  await app.register(fastifyCookie, { secret: opts.sessionSecret });
  await app.register(fastifyFormbody);
  await app.register(fastifySession, {
    secret: opts.sessionSecret,
    cookieName: SESSION_COOKIE,
    // The session holds the user id, when it began and a digest of the password hash; it lives in Redis so
    // sign-out really ends it. Nothing is saved before sign-in (saveUninitialized: false, and the CSRF secret is in
    // a cookie): anonymous requests write nothing to the queues' Redis.
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
  // A signed double-submit cookie (the plugin's own @fastify/cookie mode), so the sign-in form needs no session.
  // Each token is also bound (HMAC) to what it may be used for: the sign-in form, or one signed-in session, so a
  // token taken from the public sign-in page cannot authorise a change in someone's session (csrfBinding).
  app.decorate("consoleSessions", new ConsoleSessions(opts.ctx.staff, opts.sessionSecret, config.console.sessionMaxAgeSeconds * 1000, opts.ctx.logger));
  await app.register(fastifyCsrf, {
    sessionPlugin: "@fastify/cookie",
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: "/", sameSite: "strict", httpOnly: true, secure: config.console.cookieSecure, signed: true },
    getUserInfo: csrfBinding,
    csrfOpts: { hmacKey: createHmac("sha256", opts.sessionSecret).update("openedx-workers console CSRF").digest() },
  });
  await app.register(fastifyRateLimit, {
    global: false,
    redis: opts.ctx.redis,
    nameSpace: `${keyPrefix}:rl:`,
    // When Redis is down sign-in fails anyway (no session store); do not also turn that into a 500 here.
    skipOnError: true,
  });
  // Signed-in answers show learner data, the forms carry CSRF tokens: nothing the console answers may be kept by a
  // shared browser's or a proxy's cache, whatever the route set (bull-board's files included). Only the console's
  // own stylesheets (/assets/, the same for everyone) may be cached.
  app.addHook("onSend", async (request, reply, payload) => {
    if (!request.url.startsWith(ASSETS_PREFIX)) reply.header("cache-control", "no-store");
    return payload;
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
    // Paths and formatting helpers for every template (login and errors included): see ../paths.ts.
    defaultContext: VIEW_DEFAULTS,
  });
});
