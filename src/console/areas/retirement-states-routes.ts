import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { REQUIRED_STATES, invalidStatesMessage, planStateTable, pySet } from "../../domain/retirement/retirement-states";
import { learnersMidPipeline } from "../../services/retirement/retirement-status-listing";
import { StateTableError, syncStateTable } from "../../services/retirement/retirement-state-table";
import { RetirementStatusStore } from "../../services/retirement/retirement-status-store";
import type { ConsoleContext } from "../console-context";
import { field } from "../form-input";

const STATES_PATH = "/retirement/states";

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

  async function page(request: FastifyRequest, reply: FastifyReply, form: { error?: string; status?: number; notice?: string } = {}): Promise<FastifyReply> {
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
    const configProblem = invalidStatesMessage(wanted);
    return reply
      .code(form.status ?? 200)
      .type("text/html")
      .render("retirement/states.eta", {
        title: "Retirement · states",
        tab: "states",
        rows,
        table,
        wanted,
        diff: { added: pySet(plan.toCreate), removed: pySet(plan.toDelete), remaining: pySet(plan.remaining) },
        inSync: rows.every((r) => r.change === "none"),
        midPipeline,
        requiredStates: REQUIRED_STATES,
        configProblem,
        isAdmin: request.staff?.role === "admin",
        error: form.error,
        notice: form.notice ?? (field(request.query, "done") === "populated" ? "populate-retirement-states ran: the table now mirrors RETIREMENT_STATES." : undefined),
      });
  }

  app.get(STATES_PATH, async (request, reply) => page(request, reply));

  app.post(`${STATES_PATH}/populate`, async (request, reply) => {
    try {
      await syncStateTable(ds, wanted, { dryRun: false });
    } catch (err) {
      if (!(err instanceof StateTableError)) throw err;
      return page(request, reply, { error: err.message, status: 409 });
    }
    ctx.logger.info("console: populate-retirement-states ran", { staffUserId: request.staff!.id });
    return reply.redirect(`${STATES_PATH}?done=populated`, 303);
  });
}
