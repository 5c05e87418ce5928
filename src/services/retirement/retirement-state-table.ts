import type { DataSource } from "typeorm";
import {
  REQUIRED_STATES,
  USERS_BEING_PROCESSED_MESSAGE,
  describeState,
  invalidStatesMessage,
  planStateTable,
  usersInDeletedStatesMessage,
  type StateTablePlan,
} from "../../domain/retirement/retirement-states";
import { RetirementState } from "../../entities/lms";

export class StateTableError extends Error {}

/**
 * populate_retirement_states: makes user_api_retirementstate mirror RETIREMENT_STATES with upstream's checks,
 * numbering and flags. Unlike upstream, the whole sync is one transaction, so a failure leaves the table as it was.
 */
export async function syncStateTable(ds: DataSource, wanted: string[], opts: { dryRun: boolean }): Promise<{ plan: StateTablePlan; table: string[] }> {
  const invalid = invalidStatesMessage(wanted);
  if (invalid) throw new StateTableError(invalid);
  return ds.transaction(async (em) => {
    const busy: Array<{ n: number }> = await em.query(
      `SELECT COUNT(*) AS n FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id
       WHERE r.state_name NOT IN (?)`,
      [REQUIRED_STATES],
    );
    if (Number(busy[0].n) > 0) throw new StateTableError(USERS_BEING_PROCESSED_MESSAGE);

    const repo = em.getRepository(RetirementState);
    const current = (await repo.find({ order: { stateExecutionOrder: "ASC" }, lock: { mode: "pessimistic_write" } })).map((s) => s.stateName);
    const plan = planStateTable(current, wanted);
    if (!opts.dryRun) {
      if (plan.toDelete.length > 0) {
        const used: Array<{ n: number }> = await em.query(
          `SELECT COUNT(*) AS n FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id WHERE r.state_name IN (?)`,
          [plan.toDelete],
        );
        if (Number(used[0].n) > 0) throw new StateTableError(usersInDeletedStatesMessage(plan.toDelete));
        await repo.createQueryBuilder().delete().where("state_name IN (:...names)", { names: plan.toDelete }).execute();
      }
      // Out of the way first, so renumbering never collides with the unique execution order.
      await em.query("UPDATE user_api_retirementstate SET state_execution_order = state_execution_order + 500");
      for (const row of plan.rows) {
        if (row.exists) await repo.update({ stateName: row.stateName }, { stateExecutionOrder: row.stateExecutionOrder });
        else await repo.insert({ stateName: row.stateName, stateExecutionOrder: row.stateExecutionOrder, isDeadEndState: row.isDeadEndState, required: row.required });
      }
    }
    const table = (await repo.find({ order: { stateExecutionOrder: "ASC" } })).map(describeState);
    return { plan, table };
  });
}
