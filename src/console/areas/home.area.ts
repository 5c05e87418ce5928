import type { FastifyInstance } from "fastify";
import { ERASURE_DEADLINE_DAYS } from "../../domain/retirement/erasure-deadline";
import { GENERATION_TASK_NAMES } from "../../producers/certificate-generation-reapply.producer";
import { FailedTaskStore } from "../../services/certificate-generation/failed-task-store";
import { retirementAtAGlance, type RetirementAtAGlance } from "../../services/retirement/retirement-overview";
import type { ConsoleContext } from "../console-context";
import { page } from "../page";
import { paths } from "../paths";
import { queueOverview, type QueueState } from "../queue-overview";

/** A part of the home page that could not be read says so; the rest of the page still shows. */
type Part<T> = { ok: true; value: T } | { ok: false; error: string };

async function part<T>(read: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The console's home page (`/`, where sign-in lands): each queue's counts, failures and connected workers;
 * retirement at a glance (learners per state, ERRORED and stuck learners, the oldest unfinished request against the
 * erasure deadline); unresolved failed generation tasks; and a link to every area.
 */
export async function homeArea(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const failedTasks = new FailedTaskStore(ctx.dataSource);
  const pipelineStates = ctx.config.retirement.pipeline.flatMap((step) => [step.startState, step.endState]);
  const stuckAfterMinutes = ctx.config.erasure.sweeper.stuckAfterMinutes;

  app.get(paths.home, async (_request, reply) => {
    const [queues, retirement, failed] = await Promise.all([
      part<QueueState[]>(() => queueOverview(ctx.queues.values(), ctx.config.console.healthTimeoutMs)),
      part<RetirementAtAGlance>(() => retirementAtAGlance(ctx.dataSource, { pipelineStates, stuckAfterMinutes })),
      part<number>(() => failedTasks.countUnresolved(GENERATION_TASK_NAMES)),
    ]);
    return page(reply, "home.eta", { title: "Home", queues, retirement, failed, stuckAfterMinutes, deadlineDays: ERASURE_DEADLINE_DAYS });
  });
}
