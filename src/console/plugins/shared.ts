import type { FastifyPluginAsync } from "fastify";

/**
 * Marks a plugin as not encapsulated, so its hooks and decorators reach the whole server. This is what the
 * `fastify-plugin` package does (Fastify's documented `skip-override` property), without one more dependency.
 */
export function shared<T extends FastifyPluginAsync<any>>(plugin: T): T {
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
  return plugin;
}
