import type { FastifyInstance } from "fastify";
import type { ConsoleContext } from "../console-context";

/**
 * Public probes: /healthz says the process answers; /readyz says whether Redis, the database and S3 answer (each
 * bounded by HEALTH_CHECK_TIMEOUT_MS), 503 when any is down. Public, so it shows states and error codes only
 * ("down: ECONNREFUSED", "down: NoSuchBucket"), never error text (hosts, database users); the console's log has the
 * details. One check run answers every request for a moment (ConsoleContext.health), so a flood of requests does not
 * become a flood of database and S3 calls.
 */
export async function healthPlugin(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  app.get("/healthz", async (_request, reply) => reply.header("cache-control", "no-store").send({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const { ready, states } = await ctx.health.check();
    return reply.code(ready ? 200 : 503).header("cache-control", "no-store").send(states);
  });
}
