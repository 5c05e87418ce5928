import type { DataSource } from "typeorm";
import { erasureDeadline } from "../../domain/retirement/erasure-deadline";
import { learnersPerState } from "./retirement-status-listing";

export interface RetirementAtAGlance {
  perState: Array<{ stateName: string; count: number }>;
  total: number;
  errored: number;
  /** Learners in a step of the pipeline (RETIRING_x or x_COMPLETE) unchanged for the sweeper's threshold. */
  stuck: number;
  /** The oldest request not yet COMPLETE or ABORTED (ERRORED included: the learner still waits for erasure). */
  oldestUnfinished?: { userId: number; stateName: string; requested: Date; ageDays: number; daysLeft: number; overdue: boolean };
}

/**
 * Retirement on one card of the console's home page: learners per state, how many are ERRORED or stuck, and the
 * oldest unfinished request's age against the erasure deadline. User ids only, never an original identifier.
 */
export async function retirementAtAGlance(
  ds: DataSource,
  opts: { pipelineStates: readonly string[]; stuckAfterMinutes: number; now?: Date },
): Promise<RetirementAtAGlance> {
  const now = opts.now ?? new Date();
  const FROM = "FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id";
  const [perState, stuckRows, oldestRows] = await Promise.all([
    learnersPerState(ds),
    opts.pipelineStates.length === 0
      ? Promise.resolve([{ n: 0 }])
      : (ds.query(`SELECT COUNT(*) AS n ${FROM} WHERE r.state_name IN (?) AND s.modified < UTC_TIMESTAMP(6) - INTERVAL ? MINUTE`, [
          opts.pipelineStates,
          opts.stuckAfterMinutes,
        ]) as Promise<Array<{ n: number | string }>>),
    ds.query(`SELECT s.user_id, r.state_name, s.created ${FROM} WHERE r.state_name NOT IN ('COMPLETE', 'ABORTED') ORDER BY s.created, s.id LIMIT 1`) as Promise<
      Array<{ user_id: number; state_name: string; created: Date }>
    >,
  ]);
  const oldest = oldestRows[0];
  return {
    perState: perState.map((s) => ({ stateName: s.stateName, count: s.count })),
    total: perState.reduce((n, s) => n + s.count, 0),
    errored: perState.find((s) => s.stateName === "ERRORED")?.count ?? 0,
    stuck: Number(stuckRows[0]?.n ?? 0),
    oldestUnfinished: oldest && { userId: Number(oldest.user_id), stateName: oldest.state_name, requested: oldest.created, ...erasureDeadline(oldest.created, now) },
  };
}
