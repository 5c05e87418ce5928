import type { FastifyInstance } from "fastify";
import { metricsTokenAccepted } from "../../services/metrics/job-metrics";
import type { ConsoleContext } from "../console-context";
import { ConsoleMetrics } from "../console-metrics";

declare module "fastify" {
  interface FastifyInstance {
    consoleMetrics: ConsoleMetrics;
  }
}

/** GET /metrics in Prometheus text format; public like most exporters unless CONSOLE_METRICS_TOKEN is set. */
export async function metricsPlugin(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const metrics = new ConsoleMetrics(opts.ctx);
  await metrics.start();
  app.decorate("consoleMetrics", metrics);
  app.addHook("onClose", async () => metrics.close());
  const token = opts.ctx.config.console.metrics.token;
  app.get("/metrics", async (request, reply) => {
    if (!metricsTokenAccepted(token, request.headers.authorization)) {
      return reply.code(401).header("www-authenticate", "Bearer").send({ error: "bearer token required" });
    }
    const text = await metrics.metrics.registry.metrics();
    return reply.header("cache-control", "no-store").type(metrics.metrics.registry.contentType).send(text);
  });
}
