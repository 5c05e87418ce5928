import type { FastifyInstance, FastifyReply } from "fastify";
import { GENERATION_TASK_NAMES, reapplyFailedGeneration } from "../../producers/certificate-generation-reapply.producer";
import { FailedTaskStore } from "../../services/certificate-generation/failed-task-store";
import type { ConsoleContext } from "../console-context";
import { field, positiveId } from "../form-input";
import { page, producerContext } from "./area-support";

export const FAILED_TASKS_PATH = "/generation/failed-tasks";
const PAGE_SIZE = 200;

/**
 * The generation jobs that failed for good (openedx_workers_failed_task, like celery_utils' FailedTask admin) with
 * their reasons, and *reapply* for one or all: `reapply-failed-generation`'s producer, which re-enqueues each under
 * its own job id and marks the row resolved.
 */
export async function failedTasksArea(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const producers = producerContext(app, ctx);
  const store = new FailedTaskStore(ctx.dataSource);

  async function list(reply: FastifyReply, includeResolved: boolean, extra: Record<string, unknown> = {}, status = 200): Promise<FastifyReply> {
    const { rows, total } = await store.recent(GENERATION_TASK_NAMES, { includeResolved, limit: PAGE_SIZE });
    return page(reply, "failed-tasks/index.eta", { title: "Failed generation tasks", rows, total, includeResolved, pageSize: PAGE_SIZE, ...extra }, status);
  }

  function outcome(summary: Awaited<ReturnType<typeof reapplyFailedGeneration>>): Record<string, unknown> {
    return { reapplied: summary.reapplied, invalid: summary.invalid };
  }

  app.get<{ Querystring: { show?: string } }>(FAILED_TASKS_PATH, async (request, reply) => list(reply, field(request.query, "show") === "all"));

  app.post(`${FAILED_TASKS_PATH}/reapply`, async (request, reply) => {
    const summary = await reapplyFailedGeneration(producers);
    ctx.logger.info("console: failed generation tasks reapplied", { userId: request.staff!.id, reapplied: summary.reapplied.length, invalid: summary.invalid.length });
    return list(reply, false, outcome(summary));
  });

  app.post<{ Params: { id: string } }>(`${FAILED_TASKS_PATH}/:id/reapply`, async (request, reply) => {
    const id = positiveId(request.params.id);
    const row = id ? await store.byId(String(id)) : null;
    if (!row || !GENERATION_TASK_NAMES.includes(row.taskName)) return list(reply, false, { actionError: `There is no failed generation task with id ${request.params.id}.` }, 404);
    if (row.datetimeResolved) return list(reply, false, { actionError: `Failed task ${row.id} is already resolved (reapplied ${row.datetimeResolved.toISOString()}).` }, 409);
    const summary = await reapplyFailedGeneration(producers, { taskIds: [row.taskId] });
    ctx.logger.info("console: failed generation task reapplied", { userId: request.staff!.id, failedTaskId: row.id, jobId: row.taskId, reapplied: summary.reapplied.length });
    return list(reply, false, outcome(summary));
  });
}
