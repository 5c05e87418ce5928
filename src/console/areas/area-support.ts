import type { FastifyInstance, FastifyReply } from "fastify";
import type { AppConfig } from "../../config";
import { QueueSet } from "../../queues/queue-set";
import { settlesWithin } from "../../util/with-timeout";
import type { ConsoleContext } from "../console-context";

/**
 * What the producers need from an AppContext, for an area that enqueues: the producers' own QueueSet (their queue
 * defaults and bulk adds, so the console enqueues exactly what the CLI would), closed with the server.
 */
export function producerContext(app: FastifyInstance, ctx: ConsoleContext): { dataSource: ConsoleContext["dataSource"]; queues: QueueSet; config: AppConfig; logger: ConsoleContext["logger"] } {
  const queues = new QueueSet(ctx.config, { mode: "service" });
  queues.connection.on("error", () => undefined); // the failing request reports it
  app.addHook("onClose", async () => {
    if (!(await settlesWithin(queues.close(), 3000))) queues.connection.disconnect();
  });
  return { dataSource: ctx.dataSource, queues, config: ctx.config, logger: ctx.logger };
}

/** Renders a page of the signed-in area (the layout's staff, CSRF token and navigation come from `reply.locals`). */
export function page(reply: FastifyReply, view: string, data: Record<string, unknown>, status = 200): FastifyReply {
  return reply.code(status).type("text/html").render(view, data);
}

