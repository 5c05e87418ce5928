import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { GENERATION_TASK_NAMES, reapplyFailedGeneration } from "../../producers/certificate-generation-reapply.producer";
import { QueueName } from "../../queues/registry";
import { FailedTaskStore } from "../../services/certificate-generation/failed-task-store";
import type { ActionResult } from "../action-results";
import { askToConfirm, isConfirmed, redirectWithResult } from "../confirmation";
import type { ConsoleContext } from "../console-context";
import { field, positiveId } from "../form-input";
import { page } from "../page";
import { paths } from "../paths";
import { decodeJobId } from "../view-helpers";
import { producerContext } from "./area-support";

const PAGE_SIZE = 200;
/** Job ids listed on the *Reapply all* confirmation; the rest are counted. */
const CONFIRM_LIST = 20;

type ReapplySummary = Awaited<ReturnType<typeof reapplyFailedGeneration>>;

/** What a reapply did, for the page the redirect leads to: the jobs enqueued (linked) and the rows it could not. */
function reapplyResult(summary: ReapplySummary): ActionResult {
  const invalid = summary.invalidRows.map((bad) => `${decodeJobId(bad.taskId)}: ${bad.reason}`);
  return {
    level: summary.invalid > 0 ? "warning" : "success",
    message:
      `${summary.reapplied} failed generation job(s) re-enqueued; their rows are resolved.` +
      (summary.invalid ? ` ${summary.invalid} left unresolved: ${invalid.join("; ")}${summary.invalid > invalid.length ? "; …" : ""}.` : ""),
    jobs: summary.jobIds.map((id) => ({ queue: QueueName.CertificateGeneration, id })),
  };
}

/**
 * The generation jobs that failed for good (openedx_workers_failed_task, like celery_utils' FailedTask admin) with
 * their reasons, and *reapply* for one or all (confirmed first): `reapply-failed-generation`'s producer, which
 * re-enqueues each under its own job id and marks the row resolved.
 */
export async function failedTasksArea(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const producers = producerContext(app, ctx);
  const store = new FailedTaskStore(ctx.dataSource);

  async function list(reply: FastifyReply, includeResolved: boolean, extra: Record<string, unknown> = {}, status = 200): Promise<FastifyReply> {
    const { rows, total } = await store.recent(GENERATION_TASK_NAMES, { includeResolved, limit: PAGE_SIZE });
    return page(reply, "failed-tasks/index.eta", { title: "Failed generation tasks", rows, total, includeResolved, pageSize: PAGE_SIZE, ...extra }, status);
  }

  app.get(paths.failedTasks.index, async (request, reply) => list(reply, field(request.query, "show") === "all"));

  app.post(paths.failedTasks.reapplyAll, async (request, reply) => {
    if (!isConfirmed(request)) {
      // The same producer, asked what it would do: the jobs it would enqueue and the rows it would leave.
      const plan = await reapplyFailedGeneration(producers, { dryRun: true });
      if (plan.reapplied === 0 && plan.invalid === 0) return list(reply, false, { actionError: "There are no unresolved failed generation tasks." }, 409);
      const shown = plan.jobIds.slice(0, CONFIRM_LIST).map(decodeJobId);
      return askToConfirm(reply, {
        title: `Reapply ${plan.reapplied} failed generation task(s)?`,
        consequences: [
          `${plan.reapplied} job(s) are enqueued again in ${QueueName.CertificateGeneration}, each under its own id: ${shown.join(", ")}${plan.reapplied > shown.length ? `, and ${plan.reapplied - shown.length} more` : ""}.`,
          "Their rows are marked resolved now (the failure time stays); a job that fails again gets a new row.",
          ...(plan.invalid ? [`${plan.invalid} row(s) cannot be reapplied and stay unresolved.`] : []),
        ],
        action: paths.failedTasks.reapplyAll,
        confirmLabel: "Yes, reapply them",
        cancelHref: paths.failedTasks.index,
      });
    }
    const summary = await reapplyFailedGeneration(producers);
    ctx.logger.info("console: failed generation tasks reapplied", { userId: request.staff!.id, reapplied: summary.reapplied, invalid: summary.invalid });
    return redirectWithResult(request, reply, paths.failedTasks.index, reapplyResult(summary));
  });

  app.post<{ Params: { id: string } }>(paths.failedTasks.reapply(":id"), async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const id = positiveId(request.params.id);
    const row = id ? await store.byId(String(id)) : null;
    if (!row || !GENERATION_TASK_NAMES.includes(row.taskName)) return list(reply, false, { actionError: `There is no failed generation task with id ${request.params.id}.` }, 404);
    if (row.datetimeResolved) return list(reply, false, { actionError: `Failed task ${row.id} is already resolved (reapplied ${row.datetimeResolved.toISOString()}).` }, 409);
    if (!isConfirmed(request)) {
      return askToConfirm(reply, {
        title: `Reapply failed task ${row.id}?`,
        consequences: [
          `Job ${decodeJobId(row.taskId)} (${row.taskName}) is enqueued again in ${QueueName.CertificateGeneration} under its own id.`,
          `It failed with: ${row.exc}`,
          "The row is marked resolved now (its failure time stays); if the job fails again, a new row appears.",
        ],
        action: paths.failedTasks.reapply(row.id),
        confirmLabel: "Yes, reapply it",
        cancelHref: paths.failedTasks.index,
      });
    }
    const summary = await reapplyFailedGeneration(producers, { taskIds: [row.taskId] });
    ctx.logger.info("console: failed generation task reapplied", { userId: request.staff!.id, failedTaskId: row.id, jobId: row.taskId, reapplied: summary.reapplied });
    return redirectWithResult(request, reply, paths.failedTasks.index, reapplyResult(summary));
  });
}
