import type { FastifyInstance } from "fastify";
import { checkDependencies } from "../../services/health/dependency-check";
import type { ConsoleContext } from "../console-context";

/**
 * Public probes: /healthz says the process answers; /readyz checks Redis, the database and S3 (each bounded by
 * HEALTH_CHECK_TIMEOUT_MS) and answers 503 with one key per dependency when any is down.
 */
export async function healthPlugin(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  app.get("/healthz", async (_request, reply) => reply.header("cache-control", "no-store").send({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const { ready, checks } = await checkDependencies(
      { redis: ctx.redis, dataSource: ctx.dataSource, s3: ctx.s3, bucket: ctx.config.certificates.bucket },
      ctx.config.console.healthTimeoutMs,
    );
    return reply.code(ready ? 200 : 503).header("cache-control", "no-store").send(checks);
  });
}
