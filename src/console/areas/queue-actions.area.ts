import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ConsoleContext } from "../console-context";
import { refuse } from "../guards";
import { page } from "../page";
import { paths } from "../paths";
import { QueueActionLog } from "../plugins/queue-action-log";

const SHOWN = 500;

/**
 * What admins did in the queue dashboard (QueueActionLog: staff user, time, queue, action, job or scheduler), newest
 * first, destructive actions marked: the history Django admin keeps for its own changes, for bull-board's. Admins
 * only: it is the admins' own record (who deleted what, when), and read-only staff can change nothing it records.
 */
export async function queueActionsArea(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const log = new QueueActionLog(ctx.redis, ctx.config.queuePrefix, ctx.logger);
  const adminsOnly = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.staff?.role !== "admin") return refuse(request, reply, 403, "Only console admins may see the record of admins' queue actions.");
  };
  app.get(paths.queueActions, { preHandler: adminsOnly }, async (_request, reply) => {
    const actions = await log.recent(SHOWN);
    const staffNames = await ctx.staff.staffUsernames(actions.map((a) => a.userId));
    return page(reply, "queue-actions/index.eta", { title: "Queue actions", actions, staffNames, shown: SHOWN });
  });
}
