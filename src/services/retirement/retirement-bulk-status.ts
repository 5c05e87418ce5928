import type { DataSource } from "typeorm";
import type { RequestDateWindow } from "../../domain/retirement/request-date-window";
import type { RetirementStateRow } from "../../domain/retirement/retirement-states";
import { checkTransition, TransitionRefusedError } from "../../domain/retirement/state-transitions";
import { RetirementStatusStore } from "./retirement-status-store";

export interface BulkStatusRequest {
  initialState: string;
  /** The state every learner goes to, or `rewind` (each to its own last_state, upstream's --rewind-state). */
  target: { state: string } | { rewind: true };
  window: RequestDateWindow;
  force: boolean;
  response: string;
  dryRun: boolean;
}

export interface BulkMove {
  userId: number;
  from: RetirementStateRow;
  to: RetirementStateRow;
}

export interface BulkStatusOutcome {
  /** Learners moved (planned, in a dry run), in status row id order. */
  moved: BulkMove[];
  /** Learners the transition rules refuse: with any of these, nobody is moved. */
  refused: Array<{ userId: number; reason: string }>;
  /** Learners another worker or operator moved between the read and the compare-and-set: left as they are. */
  changedMeanwhile: number[];
}

/**
 * upstream's `retirement_bulk_status_update.py`: the learners in `initialState` whose request was created in the
 * window (the LMS's `retirements_by_status_and_date`), ordered by status row id, each moved to the new state or
 * rewound to its last_state. Unlike upstream, which forces every move, the moves go through `retirement-status set`'s
 * rules (forward only, never out of a dead end, unless `force`), and they are checked for every learner before any is
 * moved: one refusal moves nobody. Each move is `set`'s compare-and-set with its "Moved from … to …" text.
 */
export async function bulkUpdateStatuses(ds: DataSource, request: BulkStatusRequest): Promise<BulkStatusOutcome> {
  const store = new RetirementStatusStore(ds);
  const states = await store.states();
  const initial = states.find((s) => s.stateName === request.initialState);
  if (!initial) throw new TransitionRefusedError(`unknown retirement state "${request.initialState}"`);
  const conditions = ["current_state_id = ?"];
  const params: unknown[] = [initial.id];
  if (request.window.start) {
    conditions.push("created >= ?");
    params.push(request.window.start);
  }
  if (request.window.endExclusive) {
    conditions.push("created < ?");
    params.push(request.window.endExclusive);
  }
  const rows: Array<{ user_id: number }> = await ds.query(`SELECT user_id FROM user_api_userretirementstatus WHERE ${conditions.join(" AND ")} ORDER BY id`, params);
  const loaded = rows.length === 0 ? new Map() : await store.loadMany(rows.map((r) => Number(r.user_id)), states);

  const planned: BulkMove[] = [];
  const refused: BulkStatusOutcome["refused"] = [];
  for (const { user_id } of rows) {
    const userId = Number(user_id);
    const learner = loaded.get(userId);
    if (!learner || learner instanceof Error) {
      refused.push({ userId, reason: learner instanceof Error ? learner.message : "its status row disappeared" });
      continue;
    }
    const targetName = "state" in request.target ? request.target.state : learner.lastState?.stateName;
    if (!targetName) {
      refused.push({ userId, reason: "has no last state to rewind to" });
      continue;
    }
    try {
      planned.push({ userId, from: learner.currentState, to: checkTransition(states, learner.currentState, targetName, request.force) });
    } catch (err) {
      if (!(err instanceof TransitionRefusedError)) throw err;
      refused.push({ userId, reason: err.message });
    }
  }
  if (refused.length > 0 || request.dryRun) return { moved: request.dryRun ? planned : [], refused, changedMeanwhile: [] };

  const moved: BulkMove[] = [];
  const changedMeanwhile: number[] = [];
  for (const move of planned) {
    if (await store.compareAndSet(move.userId, move.from, move.to, request.response)) moved.push(move);
    else changedMeanwhile.push(move.userId);
  }
  return { moved, refused, changedMeanwhile };
}
