import fs from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { ActionResults } from "./action-results";
import type { ConsoleContext } from "./console-context";
import { CERTIFICATE_ADMIN_AREAS } from "./areas/certificate-admin-areas";
import { homeArea } from "./areas/home.area";
import { queueActionsArea } from "./areas/queue-actions.area";
import { wantsJson } from "./guards";
import { page } from "./page";
import { paths } from "./paths";
import { foundationPlugin } from "./plugins/foundation";
import { healthPlugin } from "./plugins/health";
import { metricsPlugin } from "./plugins/metrics";
import { shared } from "./plugins/shared";
import { queuesDashboardPlugin } from "./plugins/queues-dashboard";
import { retirementArea } from "./areas/retirement-area";
import { signInPlugin } from "./plugins/sign-in";
import { registerSignedInArea, type ConsoleArea } from "./signed-in-area";

const ASSETS_DIR = path.join(__dirname, "assets");

/** The signed-in areas (their navigation is NAVIGATION in paths.ts). */
const CONSOLE_AREAS: ConsoleArea[] = [
  { name: "home", plugin: homeArea },
  { name: "queues", plugin: queuesDashboardPlugin },
  { name: "queue-actions", plugin: queueActionsArea },
  { name: "retirement", plugin: retirementArea },
  ...CERTIFICATE_ADMIN_AREAS,
];

interface ConsoleServerOptions {
  sessionSecret: string;
  /** Extra areas (tests, extensions) after CONSOLE_AREAS. */
  areas?: ConsoleArea[];
}

/** A browser gets an HTML page with the console's navigation; API clients (bull-board's calls, scripts) get JSON. */
function answer(request: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string): FastifyReply | Promise<FastifyReply> {
  if (wantsJson(request)) return reply.code(status).send({ error: message });
  return page(reply, "error.eta", { title, message }, status);
}

/**
 * The console's HTTP server: public probes and sign-in, then every area behind the same authentication, role and
 * CSRF guards. Not listening yet: the caller chooses host and port (tests use port 0).
 */
export async function buildConsoleServer(ctx: ConsoleContext, opts: ConsoleServerOptions): Promise<FastifyInstance> {
  const trusted = ctx.config.console.proxy.trustedAddresses;
  const app = Fastify({
    logger: false,
    // X-Forwarded-For is believed only from the configured proxies (rate limits key on the client address).
    trustProxy: trusted.length > 0 ? trusted : false,
    bodyLimit: 1024 * 1024,
    requestTimeout: 30_000,
  });
  app.decorate("consoleResults", new ActionResults(ctx.redis, `${ctx.config.queuePrefix}:console`));
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) ctx.logger.error("console request failed", { method: request.method, url: request.routeOptions.url, error });
    if (status >= 500) return answer(request, reply, status, "Something went wrong", "Internal error: the console logged the details.");
    // @fastify/csrf-protection's refusals (FST_CSRF_*): most often a form left open past its session.
    if (error.code?.startsWith("FST_CSRF_")) {
      return answer(request, reply, status, "Form expired", "This form's security token is missing or no longer valid (it may have been open since before you signed in again). Go back, reload the page and try again.");
    }
    return answer(request, reply, status, "Request refused", error.message);
  });
  app.setNotFoundHandler((request, reply) => answer(request, reply, 404, "Not found", `There is no page at ${request.url.split("?")[0]}.`));

  await app.register(foundationPlugin, { ctx, sessionSecret: opts.sessionSecret });
  await app.register(fastifyStatic, { root: ASSETS_DIR, prefix: paths.assets, decorateReply: false });
  // Browsers ask every site for /favicon.ico; public like the assets.
  const favicon = fs.readFileSync(path.join(ASSETS_DIR, "favicon.ico"));
  app.get(paths.favicon, async (_request, reply) => reply.type("image/x-icon").header("cache-control", "public, max-age=86400").send(favicon));
  await app.register(healthPlugin, { ctx });
  // Not encapsulated in a child scope on purpose: tests and benches reach `app.consoleMetrics`.
  await app.register(shared(metricsPlugin), { ctx });
  await app.register(signInPlugin, { ctx });
  await registerSignedInArea(app, ctx, [...CONSOLE_AREAS, ...(opts.areas ?? [])]);
  return app;
}
