import type { DataSource } from "typeorm";
import type { PipelineStep } from "../../domain/retirement/retirement-pipeline";
import type { RetirementStateRow } from "../../domain/retirement/retirement-states";
import { movesOf, type StepDone } from "../../domain/retirement/step-moves";
import type { Logger } from "../../logging/logger";
import { Coalescer } from "../../util/coalescer";
import type { LearnerStatus, RetirementStatusStore } from "./retirement-status-store";
import type { RetirementStep } from "./retirement-steps";
import { asError } from "../../util/as-error";

/** A run of database-only steps one learner's job has reached: from `at` through `steps` on to `next`. */
interface DatabaseRun {
  learner: LearnerStatus;
  at: RetirementStateRow;
  steps: PipelineStep[];
  next: RetirementStateRow;
  state: (name: string) => RetirementStateRow;
}

/** The DB phase of a two-phase step one learner's job has reached, with the row's `modified` it saw. */
interface FirstPhase {
  learner: LearnerStatus;
  step: PipelineStep;
  start: RetirementStateRow;
  seen: string;
  prepared: unknown;
}

interface Finish {
  learner: LearnerStatus;
  jobId: string;
  step: PipelineStep;
}

/** A learner's moves along `path` (see RetirementStatusStore.advance), with the claim it must still hold if any. */
interface Advance {
  userId: number;
  path: RetirementStateRow[];
  responses: string[];
  modified?: string;
}

/**
 * Fewer moves than this are made one statement each: a locked batch costs four (begin, lock, update, commit), and
 * a batch's single UPDATE cannot tell which of its rows matched, so it needs the lock to stay exact.
 */
const MIN_LOCKED_MOVES = 4;

/** A two-phase step's DB phase done: its response, and the `modified` token that is its claim; null when lost. */
export type Claimed = { response: string; claim: string } | null;

/**
 * Learners whose jobs reach the same database work while a batch of it is running are run together in one
 * transaction, one statement per table for all of them (group commit, see Coalescer): a lone learner runs at once,
 * and under load the batches grow with it. One batch of a work at a time: measured (N=1,000, concurrency 32), two
 * at once made batches half as large (19 statements per learner instead of 16) for no gain in throughput.
 */
const BATCHING = { maxBatch: 64, maxInFlight: 1 };

/**
 * The database work of the retirement engine, batched across the jobs of this worker process that reach the same
 * point at the same time: a job's first read, each run of database-only steps, a two-phase step's peek, DB phase
 * and finish. Every batch keeps the single learner's guarantees: it holds all its learners' status rows (locked in
 * user id order), a learner no longer where its job expected is left out (its job stops, as with a lost
 * compare-and-set), and a batch whose transaction fails is rerun learner by learner, so one poisoned learner fails
 * only its own job.
 */
export class RetirementBatches {
  private readonly loads: Coalescer<string, number, { table: RetirementStateRow[]; learner: LearnerStatus | null }>;
  private readonly peeks: Coalescer<string, number, { stateId: number; modified: string } | null>;
  private readonly databaseRuns: Coalescer<string, DatabaseRun, boolean>;
  private readonly firstPhases: Coalescer<string, FirstPhase, Claimed>;
  private readonly finishes: Coalescer<string, Finish, true>;
  private readonly advances: Coalescer<string, Advance, boolean>;

  constructor(
    private readonly ds: DataSource,
    private readonly store: RetirementStatusStore,
    private readonly logger: Logger,
    private readonly impl: (step: PipelineStep) => RetirementStep,
  ) {
    const onWait = (_: string, input: { learner: LearnerStatus }) => logger.debug("waiting for a running batch of the same step", { userId: input.learner.userId });
    this.loads = new Coalescer(async (_, userIds) => {
      const table = await this.store.states();
      const learners = await this.store.loadMany(userIds, table);
      return userIds.map((u) => {
        const learner = learners.get(u);
        return learner instanceof Error ? learner : { table, learner: learner ?? null };
      });
    }, BATCHING);
    this.peeks = new Coalescer(async (_, userIds) => {
      const rows = await this.store.peekMany(userIds);
      return userIds.map((u) => rows.get(u) ?? null);
    }, BATCHING);
    this.databaseRuns = new Coalescer<string, DatabaseRun, boolean>((_, runs) => this.eachAloneOnFailure(runs, (batch) => this.databaseRunsTx(batch)), { ...BATCHING, onWait });
    this.firstPhases = new Coalescer<string, FirstPhase, Claimed>((_, phases) => this.eachAloneOnFailure(phases, (batch) => this.firstPhasesTx(batch)), { ...BATCHING, onWait });
    this.finishes = new Coalescer((_, items) => this.eachAloneOnFailure(items, (batch) => this.finishBatch(batch)), BATCHING);
    this.advances = new Coalescer(async (_, moves) => {
      if (moves.length < MIN_LOCKED_MOVES) return Promise.all(moves.map((m) => this.store.advance(m.userId, m.path, m.responses, { modified: m.modified })));
      return this.eachAloneOnFailure(moves, (batch) => this.advancesTx(batch));
    }, BATCHING);
  }

  /**
   * RetirementStatusStore.advance, batched with the same moves of other jobs (an HTTP step's record, a two-phase
   * step's last move): true if this call made the moves.
   */
  advance(userId: number, path: RetirementStateRow[], responses: string[], opts: { modified?: string } = {}): Promise<boolean> {
    const key = `${path.map((s) => s.id).join(">")}${opts.modified === undefined ? "" : "|claimed"}`;
    return this.advances.submit(key, { userId, path, responses, modified: opts.modified });
  }

  /** The state table (execution order) and the learner's status row (null: none). */
  load(userId: number): Promise<{ table: RetirementStateRow[]; learner: LearnerStatus | null }> {
    return this.loads.submit("load", userId);
  }

  /** The learner's state id and `modified` token as they are now, without a lock (null: no row). */
  peek(userId: number): Promise<{ stateId: number; modified: string } | null> {
    return this.peeks.submit("peek", userId);
  }

  /**
   * Database-only steps, one after the other, in one transaction holding the learner's status row: each step's
   * changes, then every move (from `at` through each START and END to `next`) in one statement. False if the
   * learner is no longer in `at`.
   */
  runDatabaseSteps(learner: LearnerStatus, at: RetirementStateRow, steps: PipelineStep[], state: (name: string) => RetirementStateRow, next: RetirementStateRow): Promise<boolean> {
    const key = `${at.id}|${steps.map((s) => s.startState).join(",")}|${next.id}`;
    return this.databaseRuns.submit(key, { learner, at, steps, next, state });
  }

  /**
   * A two-phase step's DB phase: its changes and a touch of the row's `modified` (the claim) commit together, only
   * if the learner is still in `start` and nobody touched the row since its job saw `seen`. Null otherwise.
   */
  applyFirstPhase(learner: LearnerStatus, step: PipelineStep, start: RetirementStateRow, seen: string, prepared: unknown): Promise<Claimed> {
    return this.firstPhases.submit(`${start.id}|${step.service}.${step.method}`, { learner, step, start, seen, prepared });
  }

  /** A two-phase step's late external work (no lock held); throws the learner's own failure. */
  async finish(step: PipelineStep, learner: LearnerStatus, jobId: string): Promise<void> {
    await this.finishes.submit(`${step.service}.${step.method}`, { learner, jobId, step });
  }

  /** Several learners' runs of the same steps in ONE transaction holding all their status rows. */
  private databaseRunsTx(runs: DatabaseRun[]): Promise<boolean[]> {
    const { at, steps, next, state } = runs[0];
    return this.ds.transaction(async (em) => {
      const rows = await this.store.lockRows(runs.map((r) => r.learner.userId), em);
      const ours = runs.filter((r) => rows.get(r.learner.userId)?.stateId === at.id).map((r) => r.learner);
      if (ours.length > 0) {
        const done: StepDone[][] = ours.map(() => []);
        for (const step of steps) {
          const texts = await this.impl(step).apply!(em, ours, ours.map(() => undefined));
          texts.forEach((response, k) => done[k].push({ start: state(step.startState), end: state(step.endState), response }));
        }
        const [path] = movesOf(at, done[0], next);
        const moved = await this.store.advanceMany(ours.map((l, k) => ({ userId: l.userId, responses: movesOf(at, done[k], next)[1] })), path, em);
        if (moved !== ours.length) throw new Error(`internal: ${ours.length - moved} learner(s) left ${at.stateName} while their rows were locked`);
      }
      return runs.map((r) => ours.includes(r.learner));
    });
  }

  /** The DB phase of a two-phase step for several learners in one transaction: apply, then touch (the claims). */
  private firstPhasesTx(phases: FirstPhase[]): Promise<Claimed[]> {
    const impl = this.impl(phases[0].step);
    return this.ds.transaction(async (em) => {
      const rows = await this.store.lockRows(phases.map((p) => p.learner.userId), em);
      const ours = phases.filter((p) => {
        const row = rows.get(p.learner.userId);
        return row?.stateId === p.start.id && row.modified === p.seen;
      });
      if (ours.length === 0) return phases.map(() => null);
      const responses = impl.apply
        ? await impl.apply(em, ours.map((p) => p.learner), ours.map((p) => p.prepared))
        : ours.map((p) => impl.describe?.(p.prepared) ?? String(p.prepared));
      const claims = await this.store.touchMany(ours.map((p) => p.learner.userId), em);
      return phases.map((p) => {
        const k = ours.indexOf(p);
        return k < 0 ? null : { response: responses[k], claim: claims.get(p.learner.userId)! };
      });
    });
  }

  /** Moves along one path for several learners: those still where (and as) their jobs left them, in one UPDATE. */
  private advancesTx(moves: Advance[]): Promise<boolean[]> {
    const { path } = moves[0];
    return this.ds.transaction(async (em) => {
      const rows = await this.store.lockRows(moves.map((m) => m.userId), em);
      const ours = moves.filter((m) => {
        const row = rows.get(m.userId);
        return row?.stateId === path[0].id && (m.modified === undefined || row.modified === m.modified);
      });
      const moved = await this.store.advanceMany(ours.map((m) => ({ userId: m.userId, responses: m.responses })), path, em);
      if (moved !== ours.length) throw new Error(`internal: ${ours.length - moved} learner(s) left ${path[0].stateName} while their rows were locked`);
      return moves.map((m) => ours.includes(m));
    });
  }

  private async finishBatch(items: Finish[]): Promise<Array<true | Error>> {
    const results = await this.impl(items[0].step).finish!(items.map((i) => i.learner), items.map((i) => i.jobId));
    return results.map((r) => r ?? true);
  }

  /**
   * Runs a batch; if it fails as a whole, runs each learner alone, so one poisoned learner fails only its own job
   * (a failed transaction rolled back every learner's changes together). The error's code is logged, never its
   * text: a database error may quote a value.
   */
  private async eachAloneOnFailure<I, O>(inputs: I[], run: (batch: I[]) => Promise<Array<O | Error>>): Promise<Array<O | Error>> {
    try {
      return await run(inputs);
    } catch (err) {
      if (inputs.length === 1) return [asError(err)];
      this.logger.debug("a batched retirement transaction failed; running its learners one by one", { learners: inputs.length, code: (err as { code?: string }).code });
      return Promise.all(inputs.map((input) => run([input]).then((r) => r[0], asError)));
    }
  }
}
