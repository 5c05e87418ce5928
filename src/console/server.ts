import path from "node:path";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance } from "fastify";
import type { ConsoleContext } from "./console-context";
import { CERTIFICATE_ADMIN_AREAS } from "./areas/certificate-admin-areas";
import { ASSETS_PREFIX, foundationPlugin } from "./plugins/foundation";
import { healthPlugin } from "./plugins/health";
import { metricsPlugin } from "./plugins/metrics";
import { shared } from "./plugins/shared";
import { queuesDashboardPlugin } from "./plugins/queues-dashboard";
import { retirementArea } from "./areas/retirement-area";
import { signInPlugin } from "./plugins/sign-in";
import { registerSignedInArea, type ConsoleArea } from "./signed-in-area";

/** The signed-in areas, in navigation order. Later areas (admin pages) are added here. */
const CONSOLE_AREAS: ConsoleArea[] = [
  { name: "queues", nav: { href: "/queues", label: "Queues" }, plugin: queuesDashboardPlugin },
  { name: "retirement", nav: { href: "/retirement", label: "Retirement" }, plugin: retirementArea },
  ...CERTIFICATE_ADMIN_AREAS,
];

interface ConsoleServerOptions {
  sessionSecret: string;
  /** Extra areas (tests, extensions) after CONSOLE_AREAS. */
  areas?: ConsoleArea[];
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
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) ctx.logger.error("console request failed", { method: request.method, url: request.routeOptions.url, error });
    return reply.code(status).send({ error: status >= 500 ? "Internal error" : error.message });
  });

  await app.register(foundationPlugin, { ctx, sessionSecret: opts.sessionSecret });
  await app.register(fastifyStatic, { root: path.join(__dirname, "assets"), prefix: ASSETS_PREFIX, decorateReply: false });
  await app.register(healthPlugin, { ctx });
  // Not encapsulated in a child scope on purpose: tests and benches reach `app.consoleMetrics`.
  await app.register(shared(metricsPlugin), { ctx });
  await app.register(signInPlugin, { ctx });
  await registerSignedInArea(app, ctx, [...CONSOLE_AREAS, ...(opts.areas ?? [])]);
  return app;
}
