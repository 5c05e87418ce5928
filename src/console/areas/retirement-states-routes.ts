import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { REQUIRED_STATES, USERS_BEING_PROCESSED_MESSAGE, invalidStatesMessage, planStateTable, pySet } from "../../domain/retirement/retirement-states";
import { learnersMidPipeline } from "../../services/retirement/retirement-status-listing";
import { StateTableError, syncStateTable } from "../../services/retirement/retirement-state-table";
import { RetirementStatusStore } from "../../services/retirement/retirement-status-store";
import { askToConfirm, isConfirmed, redirectWithResult } from "../confirmation";
import type { ConsoleContext } from "../console-context";
import { page } from "../page";
import { paths } from "../paths";

/** One line of the side-by-side view: the table's row (if any), the configured row (if any), and what the sync does. */
interface StateDiffRow {
  stateName: string;
  current?: { id: number; order: number; isDeadEndState: boolean; required: boolean };
  wanted?: { order: number; isDeadEndState: boolean; required: boolean };
  change: "add" | "remove" | "renumber" | "none";
}

/**
 * Django admin's RetirementState page beside RETIREMENT_STATES: the diff populate-retirement-states would apply
 * (the same planning function), and a button that runs it through the same service as the CLI, which refuses
 * while learners are mid-pipeline (upstream's message).
 */
export async function retirementStatesRoutes(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const ds = ctx.dataSource;
  const store = new RetirementStatusStore(ds);
  const wanted = ctx.config.retirement.states;

  async function statesDiff() {
    const [table, midPipeline] = await Promise.all([store.states(), learnersMidPipeline(ds, REQUIRED_STATES)]);
    const plan = planStateTable(
      table.map((s) => s.stateName),
      wanted,
    );
    const rows: StateDiffRow[] = plan.rows.map((w) => {
      const c = table.find((s) => s.stateName === w.stateName);
      const current = c && { id: c.id, order: c.stateExecutionOrder, isDeadEndState: c.isDeadEndState, required: c.required };
      const change = !c ? "add" : c.stateExecutionOrder !== w.stateExecutionOrder ? "renumber" : "none";
      return { stateName: w.stateName, current, wanted: { order: w.stateExecutionOrder, isDeadEndState: w.isDeadEndState, required: w.required }, change };
    });
    for (const name of plan.toDelete) {
      const c = table.find((s) => s.stateName === name)!;
      rows.push({ stateName: name, current: { id: c.id, order: c.stateExecutionOrder, isDeadEndState: c.isDeadEndState, required: c.required }, change: "remove" });
    }
    return {
      rows,
      table,
      plan,
      diff: { added: pySet(plan.toCreate), removed: pySet(plan.toDelete), remaining: pySet(plan.remaining) },
      inSync: rows.every((r) => r.change === "none"),
      midPipeline,
      configProblem: invalidStatesMessage(wanted),
    };
  }

  async function statesPage(reply: FastifyReply, form: { error?: string; status?: number } = {}): Promise<FastifyReply> {
    const diff = await statesDiff();
    return page(reply, "retirement/states.eta", { title: "Retirement · states", tab: "states", ...diff, wanted, requiredStates: REQUIRED_STATES, error: form.error }, form.status ?? 200);
  }

  app.get(paths.retirement.states, async (_request, reply) => statesPage(reply));

  app.post(paths.retirement.populate, async (request: FastifyRequest, reply) => {
    if (!isConfirmed(request)) {
      const { diff, rows, midPipeline, configProblem } = await statesDiff();
      if (configProblem) return statesPage(reply, { error: `RETIREMENT_STATES is not valid: ${configProblem}`, status: 409 });
      if (midPipeline > 0) return statesPage(reply, { error: USERS_BEING_PROCESSED_MESSAGE, status: 409 });
      const renumbered = rows.filter((r) => r.change === "renumber").map((r) => r.stateName);
      return askToConfirm(reply, {
        title: "Run populate-retirement-states?",
        consequences: [
          "user_api_retirementstate is made to mirror RETIREMENT_STATES, as the management command does.",
          `Added: ${diff.added}`,
          `Removed: ${diff.removed}`,
          `Renumbered: ${renumbered.length ? renumbered.join(", ") : "none"}`,
        ],
        warnings: rows.some((r) => r.change === "remove") ? ["Removed states are deleted from the table; no learner may be in them (the command refuses otherwise)."] : [],
        action: paths.retirement.populate,
        confirmLabel: "Yes, run it",
        cancelHref: paths.retirement.states,
      });
    }
    try {
      await syncStateTable(ds, wanted, { dryRun: false });
    } catch (err) {
      if (!(err instanceof StateTableError)) throw err;
      return statesPage(reply, { error: err.message, status: 409 });
    }
    ctx.logger.info("console: populate-retirement-states ran", { staffUserId: request.staff!.id });
    return redirectWithResult(request, reply, paths.retirement.states, { level: "success", message: "populate-retirement-states ran: the table now mirrors RETIREMENT_STATES." });
  });
}
