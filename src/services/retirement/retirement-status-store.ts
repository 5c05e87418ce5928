import type { DataSource, EntityManager } from "typeorm";
import { checkTransition, transitionText } from "../../domain/retirement/state-transitions";
import type { RetirementStateRow } from "../../domain/retirement/retirement-states";
import { affectedRows } from "../../db/affected-rows";
import { RetirementState, UserRetirementStatus } from "../../entities/lms";

/** A learner's status row with its states resolved. Holds PII (original_*): keep it in memory, never log it. */
export interface LearnerStatus {
  statusId: number;
  userId: number;
  created: Date;
  modified: Date;
  originalUsername: string;
  originalEmail: string;
  retiredUsername: string;
  retiredEmail: string;
  responses: string;
  currentState: RetirementStateRow;
  lastState?: RetirementStateRow;
}

/** `modified` to the microsecond, as text: a JS Date would drop the microseconds. */
const TOKEN = "DATE_FORMAT(modified, '%Y-%m-%d %H:%i:%s.%f')";

/**
 * Reads and moves learners' retirement states. Every move is a compare-and-set on current_state_id, so two
 * workers (or a worker and an operator) can never both make the same move; the loser sees `false`.
 */
export class RetirementStatusStore {
  constructor(private readonly ds: DataSource) {}

  /** The state table in execution order. */
  async states(em: EntityManager = this.ds.manager): Promise<RetirementStateRow[]> {
    const rows = await em.getRepository(RetirementState).find({ order: { stateExecutionOrder: "ASC" } });
    return rows.map((r) => ({ ...r, isDeadEndState: Boolean(r.isDeadEndState), required: Boolean(r.required) }));
  }

  /**
   * Several learners' status rows in one query, by user id (absent: no row). A row pointing at a state the table
   * lacks is that learner's Error, not the others'.
   */
  async loadMany(userIds: readonly number[], states: RetirementStateRow[]): Promise<Map<number, LearnerStatus | Error>> {
    const rows = await this.ds.getRepository(UserRetirementStatus).createQueryBuilder("s").where("s.user_id IN (:...userIds)", { userIds }).getMany();
    return new Map(rows.map((row): [number, LearnerStatus | Error] => {
      try {
        return [row.userId, toLearner(row, states)];
      } catch (err) {
        return [row.userId, err as Error];
      }
    }));
  }

  /** Several learners' state ids and `modified` tokens as they are now, without a lock, in one query (absent: no row). */
  peekMany(userIds: readonly number[]): Promise<Map<number, { stateId: number; modified: string }>> {
    return this.stateTokens(userIds, this.ds.manager, false);
  }

  async load(userId: number, opts: { em?: EntityManager; states?: RetirementStateRow[]; lock?: boolean } = {}): Promise<LearnerStatus | null> {
    const em = opts.em ?? this.ds.manager;
    const query = em.getRepository(UserRetirementStatus).createQueryBuilder("s").where("s.user_id = :userId", { userId });
    if (opts.lock) query.setLock("pessimistic_write");
    const row = await query.getOne();
    if (!row) return null;
    return toLearner(row, opts.states ?? (await this.states(em)));
  }

  /**
   * Moves the learner from `from` to `to` only if it is still in `from`, appending upstream's
   * "Moved from … to …" text and setting last_state. Returns whether this call made the move.
   */
  async compareAndSet(userId: number, from: RetirementStateRow, to: RetirementStateRow, response: string, em: EntityManager = this.ds.manager): Promise<boolean> {
    return this.advance(userId, [from, to], [response], { em });
  }

  /**
   * Several moves in one statement: from path[0], which the learner must still be in, through each next state to
   * the last, appending each move's text (responses[i] for path[i] -> path[i+1]) in order, as the same moves made
   * one by one would; last_state becomes the state before the last. With `modified`, only if the row's `modified`
   * token is still that value (a two-phase step's claim). Returns whether this call made the moves.
   */
  async advance(userId: number, path: readonly RetirementStateRow[], responses: readonly string[], opts: { em?: EntityManager; modified?: string } = {}): Promise<boolean> {
    if (path.length < 2 || responses.length !== path.length - 1) throw new Error(`internal: a move needs states and one response per step (${path.length} states, ${responses.length} responses)`);
    const text = responses.map((r, i) => transitionText(path[i], path[i + 1], r)).join("");
    const byToken = opts.modified === undefined ? "" : ` AND ${TOKEN} = ?`;
    const result = await (opts.em ?? this.ds.manager).query(
      `UPDATE user_api_userretirementstatus SET current_state_id = ?, last_state_id = ?, responses = CONCAT(responses, ?), modified = UTC_TIMESTAMP(6)
       WHERE user_id = ? AND current_state_id = ?${byToken}`,
      [path[path.length - 1].id, path[path.length - 2].id, text, userId, path[0].id, ...(opts.modified === undefined ? [] : [opts.modified])],
    );
    return affectedRows(result) === 1;
  }

  /**
   * The same moves (one `path`) for several learners in one statement, each appending its own texts: what `advance`
   * does for each. Returns how many learners this call moved (all, inside a transaction holding their rows).
   */
  async advanceMany(moves: ReadonlyArray<{ userId: number; responses: readonly string[] }>, path: readonly RetirementStateRow[], em: EntityManager): Promise<number> {
    if (moves.length === 0) return 0;
    if (path.length < 2 || moves.some((m) => m.responses.length !== path.length - 1)) throw new Error(`internal: a move needs states and one response per step`);
    const texts = moves.flatMap((m) => [m.userId, m.responses.map((r, i) => transitionText(path[i], path[i + 1], r)).join("")]);
    const result = await em.query(
      `UPDATE user_api_userretirementstatus
          SET current_state_id = ?, last_state_id = ?, responses = CONCAT(responses, CASE user_id${" WHEN ? THEN ?".repeat(moves.length)} END), modified = UTC_TIMESTAMP(6)
        WHERE user_id IN (?) AND current_state_id = ?`,
      [path[path.length - 1].id, path[path.length - 2].id, ...texts, moves.map((m) => m.userId), path[0].id],
    );
    return affectedRows(result);
  }

  /**
   * Locks these learners' status rows (in user id order, so two batches never wait on each other in a cycle) for
   * the rest of `em`'s transaction; returns each one's state id and `modified` token (absent: no row).
   */
  lockRows(userIds: readonly number[], em: EntityManager): Promise<Map<number, { stateId: number; modified: string }>> {
    return this.stateTokens(userIds, em, true);
  }

  private async stateTokens(userIds: readonly number[], em: EntityManager, lock: boolean): Promise<Map<number, { stateId: number; modified: string }>> {
    const rows: Array<{ userId: number; stateId: number; m: string }> = await em.query(
      `SELECT user_id AS userId, current_state_id AS stateId, ${TOKEN} AS m FROM user_api_userretirementstatus WHERE user_id IN (?)${lock ? " ORDER BY user_id FOR UPDATE" : ""}`,
      [userIds],
    );
    return new Map(rows.map((r) => [Number(r.userId), { stateId: Number(r.stateId), modified: r.m }]));
  }

  /**
   * Sets these learners' `modified` to now (later than its current value; a two-phase step's claim) and returns
   * each one's new token: two statements in all.
   */
  async touchMany(userIds: readonly number[], em: EntityManager): Promise<Map<number, string>> {
    if (userIds.length === 0) return new Map();
    await em.query("UPDATE user_api_userretirementstatus SET modified = GREATEST(UTC_TIMESTAMP(6), modified + INTERVAL 1 MICROSECOND) WHERE user_id IN (?)", [userIds]);
    const rows: Array<{ userId: number; m: string }> = await em.query(`SELECT user_id AS userId, ${TOKEN} AS m FROM user_api_userretirementstatus WHERE user_id IN (?)`, [userIds]);
    return new Map(rows.map((r) => [Number(r.userId), r.m]));
  }

  /**
   * Locks the learner's status row for the rest of `em`'s transaction; returns its state id and `modified` token
   * (undefined when there is no row). Other workers reaching the same learner wait here.
   */
  async lockRow(userId: number, em: EntityManager): Promise<{ stateId: number; modified: string } | undefined> {
    return (await this.lockRows([userId], em)).get(userId);
  }

  /** Appends a note to `responses` while the learner is still in `state` (e.g. a failed HTTP try); no state change. */
  async appendResponse(userId: number, state: RetirementStateRow, text: string): Promise<boolean> {
    const result = await this.ds
      .createQueryBuilder()
      .update(UserRetirementStatus)
      .set({ responses: () => "CONCAT(responses, :text)", modified: () => "UTC_TIMESTAMP(6)" })
      .where("user_id = :userId AND current_state_id = :stateId", { userId, stateId: state.id })
      .setParameter("text", text)
      .execute();
    return affectedRows(result) === 1;
  }

  /**
   * An operator's or the engine's checked move: the transition rules (forward only, dead ends need force), then
   * the compare-and-set. Throws TransitionRefusedError with a clear message; returns false if the learner moved
   * meanwhile.
   */
  async move(learner: LearnerStatus, toName: string, response: string, opts: { force: boolean; states: RetirementStateRow[] }): Promise<{ moved: boolean; to: RetirementStateRow }> {
    const to = checkTransition(opts.states, learner.currentState, toName, opts.force);
    return { moved: await this.compareAndSet(learner.userId, learner.currentState, to, response), to };
  }
}

/** A status row with its states resolved; throws when it points at a state the table lacks. */
function toLearner(row: UserRetirementStatus, states: RetirementStateRow[]): LearnerStatus {
  const byId = (id: number | null) => states.find((s) => s.id === id);
  const currentState = byId(row.currentStateId);
  if (!currentState) throw new Error(`retirement status of user ${row.userId} points at unknown state id ${row.currentStateId}`);
  return {
    statusId: row.id,
    userId: row.userId,
    created: row.created,
    modified: row.modified,
    originalUsername: row.originalUsername,
    originalEmail: row.originalEmail,
    retiredUsername: row.retiredUsername,
    retiredEmail: row.retiredEmail,
    responses: row.responses,
    currentState,
    lastState: byId(row.lastStateId),
  };
}
