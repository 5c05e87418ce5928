import type { FastifyInstance } from "fastify";
import type { ConsoleContext } from "../console-context";
import { page } from "../page";
import { paths } from "../paths";
import { QueueActionLog } from "../plugins/queue-action-log";

const SHOWN = 500;

/**
 * What admins did in the queue dashboard (QueueActionLog: staff user, time, queue, action, job or scheduler), newest
 * first, destructive actions marked: the history Django admin keeps for its own changes, for bull-board's.
 */
export async function queueActionsArea(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const log = new QueueActionLog(ctx.redis, ctx.config.queuePrefix, ctx.logger);
  app.get(paths.queueActions, async (_request, reply) => {
    const actions = await log.recent(SHOWN);
    const staffNames = await ctx.staff.staffUsernames(actions.map((a) => a.userId));
    return page(reply, "queue-actions/index.eta", { title: "Queue actions", actions, staffNames, shown: SHOWN });
  });
}
