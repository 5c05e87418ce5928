import type { EntityManager } from "typeorm";
import type { AppContext } from "../../app/app-context";
import { driverStates, pipelineProblems, remainingSteps, type PipelineStep } from "../../domain/retirement/retirement-pipeline";
import { describeState, type RetirementStateRow } from "../../domain/retirement/retirement-states";
import type { JobResult } from "../../queues/job-result";
import type { StepRetryState } from "../../domain/retirement/http-retry-policy";
import { missingServiceSettings } from "../../config/sections/retirement-services";
import { LearnerRefusedError, PipelineMismatchError, ServiceNotConfiguredError } from "./retirement-errors";
import { HttpStepError, httpSteps } from "./http/http-steps";
import { RetirementStatusStore, type LearnerStatus } from "./retirement-status-store";
import { builtInSteps, type RetirementStep } from "./retirement-steps";
import { withBusErasureAfterHttpLmsRetire } from "./bus-erasure-after-lms-retire";
import { COMPLETE, COMPLETE_TEXT, movesOf, type StepDone } from "../../domain/retirement/step-moves";
import { RetirementBatches } from "./retirement-batches";

const ERRORED = "ERRORED";

/**
 * Advances one learner through the pipeline, like upstream's retire_one_learner but safe under a queue:
 * resumes after the last completed END state; re-runs a step whose START state it finds the learner in (a crash
 * or a lost lock happened there); applies each step's DB changes in the transaction that moves the learner to END
 * while holding its status row. Whoever loses a compare-and-set stops at once: another worker is advancing the
 * learner, and two must never interleave steps.
 *
 * Round trips (the throughput of a retirement backlog is mostly these): the status row is read once per job; a
 * step's closing move also takes the learner on to the next step's START (or COMPLETE after the last), in the
 * same statement, so the next step needs no claim of its own; consecutive database-only steps run in one
 * transaction that records all their moves at its end; a step whose DB part is only its record (an HTTP step) ends
 * with one compare-and-set statement, no transaction. Every move is still recorded once, in order, in `responses`,
 * and a crash at any point leaves the learner in the state of the last commit, from which the job resumes.
 * The database work of the jobs that reach the same point together is done for all of them at once
 * (RetirementBatches): one transaction and one statement per table for the batch, not per learner.
 */
export class RetirementEngine {
  private readonly store: RetirementStatusStore;
  private readonly steps: Map<string, RetirementStep>;
  private readonly pipeline: PipelineStep[];
  private readonly missingSettings: string[];
  private readonly batches: RetirementBatches;

  constructor(private readonly ctx: AppContext) {
    this.store = new RetirementStatusStore(ctx.dataSource);
    this.pipeline = ctx.config.retirement.pipeline;
    this.missingSettings = missingServiceSettings(this.pipeline, ctx.config.retirement.services);
    this.steps = withBusErasureAfterHttpLmsRetire(new Map([...builtInSteps(ctx), ...(this.missingSettings.length === 0 ? httpSteps(ctx, this.store) : [])]), ctx);
    this.batches = new RetirementBatches(ctx.dataSource, this.store, ctx.logger, (step) => this.impl(step));
  }

  /** `retry`: the bookkeeping of an HTTP step's earlier failed tries, carried by the job (see RetryLaterError). */
  async retire(userId: number, jobId: string, retry?: StepRetryState): Promise<JobResult> {
    if (this.missingSettings.length > 0) throw new ServiceNotConfiguredError(this.missingSettings);
    const { table, learner } = await this.batches.load(userId);
    const mismatch = pipelineProblems(this.pipeline, table.map((s) => s.stateName), "user_api_retirementstate");
    if (mismatch.length > 0) throw new PipelineMismatchError(mismatch);
    const state = (name: string) => table.find((s) => s.stateName === name)!;

    if (!learner) throw new LearnerRefusedError(`user ${userId} has no retirement status row`);
    const log = { userId, jobId };
    if (learner.currentState.isDeadEndState) {
      this.ctx.logger.warn("learner is in an end state; nothing to do", { ...log, state: learner.currentState.stateName });
      return { status: "skipped", userId, reason: `in end state ${learner.currentState.stateName}` };
    }
    if (!driverStates(this.pipeline).includes(learner.currentState.stateName)) {
      throw new LearnerRefusedError(`user ${userId} is in ${describeState(learner.currentState)}, a state the retirement pipeline does not use`);
    }

    const steps = remainingSteps(this.pipeline, learner.currentState.stateName);
    // Where the learner goes once steps[k - 1] is done: the next step's START, or COMPLETE after the last.
    const after = (k: number) => (k < steps.length ? state(steps[k].startState) : state(COMPLETE));
    let at = learner.currentState;
    if (steps.length > 0 && at.stateName === steps[0].startState) this.ctx.logger.info("resuming a step the learner was left in", { ...log, state: at.stateName });
    for (let i = 0; i < steps.length; ) {
      if (!this.impl(steps[i]).prepare && !this.impl(steps[i]).finish) {
        let j = i;
        while (j < steps.length && !this.impl(steps[j]).prepare && !this.impl(steps[j]).finish) j++;
        if (!(await this.batches.runDatabaseSteps(learner, at, steps.slice(i, j), state, after(j)))) return this.lostRace(log, at);
        for (const step of steps.slice(i, j)) this.stepDone(log, step);
        at = after(j);
        i = j;
        continue;
      }
      const start = state(steps[i].startState);
      // External work needs the START committed first: it is the claim a crash is resumed from.
      if (at.id !== start.id && !(await this.store.advance(userId, [at, start], [`Starting: ${start.stateName}`]))) return this.lostRace(log, at);
      at = start;
      const ran = await this.runStep(steps[i], learner, start, state(steps[i].endState), after(i + 1), jobId, retry?.state === start.stateName ? retry : undefined);
      if (!ran) return this.lostRace(log, start);
      this.stepDone(log, steps[i]);
      at = after(i + 1);
      i++;
    }
    if (at.stateName !== COMPLETE && !(await this.store.compareAndSet(userId, at, state(COMPLETE), COMPLETE_TEXT))) return this.lostRace(log, at);
    this.ctx.logger.info("learner retired", log);
    return { status: "done", userId, state: COMPLETE };
  }

  private impl(step: PipelineStep): RetirementStep {
    const impl = this.steps.get(`${step.service}.${step.method}`);
    if (!impl) throw new Error(`internal: no implementation for ${step.service}.${step.method}`);
    return impl;
  }

  /** Debug only: `responses` records every step, and the info line per learner is "learner retired" (measured: ~5 % of a worker's CPU went to these lines at info). */
  private stepDone(log: { userId: number; jobId: string }, step: PipelineStep): void {
    this.ctx.logger.debug("retirement step done", { ...log, state: step.endState, method: `${step.service}.${step.method}` });
  }

  /**
   * A step with external work, the learner in its START: prepare (no lock), then the DB part and the move to END
   * and on to `next`; false if the learner moved meanwhile.
   */
  private async runStep(step: PipelineStep, learner: LearnerStatus, start: RetirementStateRow, end: RetirementStateRow, next: RetirementStateRow, jobId: string, retry: StepRetryState | undefined): Promise<boolean> {
    const impl = this.impl(step);
    const userId = learner.userId;
    // A two-phase step's claim starts from the row's `modified` as it is now (see below); its external work runs
    // only while the learner is really in this step (an operator may have aborted it meanwhile).
    const seen = impl.finish ? await this.batches.peek(userId) : undefined;
    if (seen !== undefined && seen?.stateId !== start.id) return false;
    const prepared = impl.prepare ? await impl.prepare(learner, jobId, { state: start, retry }) : undefined;
    if (!impl.finish) {
      // Only its record to write (an HTTP step): the move itself is the compare-and-set, no transaction needed.
      if (!impl.apply) return this.batches.advance(userId, ...movesOf(start, [{ start, end, response: impl.describe?.(prepared) ?? String(prepared) }], next));
      return this.underLock(userId, start, undefined, async (em) => {
        const [response] = await impl.apply!(em, [learner], [prepared]);
        await this.moveOn(userId, start, [{ start, end, response }], next, { em });
      });
    }
    // Two phases: the DB changes commit while the learner stays in START, then the late external work (no lock
    // held), then the move to END. A crash in between re-runs the step from START; each part is idempotent.
    // The state alone cannot tell two live workers apart while the learner stays in START, so the row's `modified`
    // is the claim: phase 1 proceeds only if nobody touched the row since this worker looked, and touches it; the
    // move to END only if the row still carries this worker's touch (one statement comparing both). The loser
    // stops, as with a lost state compare-and-set.
    const applied = await this.batches.applyFirstPhase(learner, step, start, seen!.modified, prepared);
    if (!applied) return false;
    await this.batches.finish(step, learner, jobId);
    return this.batches.advance(userId, ...movesOf(start, [{ start, end, response: applied.response }], next), { modified: applied.claim });
  }

  /** Inside a transaction holding the status row: the moves must succeed (the lock rules out anyone else). */
  private async moveOn(userId: number, at: RetirementStateRow, done: StepDone[], next: RetirementStateRow, opts: { em: EntityManager }): Promise<void> {
    if (!(await this.store.advance(userId, ...movesOf(at, done, next), opts))) throw new Error(`internal: user ${userId} left ${at.stateName} while its row was locked`);
  }

  /**
   * Runs `work` in a transaction holding the learner's status row, only if the learner is still in `start` (and,
   * when `modified` is given, the row's `modified` is still that value).
   */
  private underLock(userId: number, start: RetirementStateRow, modified: string | undefined, work: (em: EntityManager) => Promise<void>): Promise<boolean> {
    return this.ctx.dataSource.transaction(async (em) => {
      const row = await this.store.lockRow(userId, em);
      if (row?.stateId !== start.id || (modified !== undefined && row.modified !== modified)) return false;
      await work(em);
      return true;
    });
  }

  private lostRace(log: { userId: number; jobId: string }, expected: RetirementStateRow): JobResult {
    this.ctx.logger.warn("learner moved on under another worker or an operator; stopping", { ...log, expectedState: expected.stateName });
    return { status: "skipped", userId: log.userId, reason: `no longer in ${expected.stateName}` };
  }

  /**
   * The job failed for good (a permanent error or its last attempt): the learner goes to ERRORED with the error
   * text in `responses`, as the driver does, unless it was refused before anything was done or is in a dead end.
   */
  async markErrored(userId: number, error: Error): Promise<boolean> {
    if (error instanceof LearnerRefusedError || error instanceof PipelineMismatchError || error instanceof ServiceNotConfiguredError) return false;
    for (let attempt = 0; attempt < 3; attempt++) {
      const table = await this.store.states();
      const learner = await this.store.load(userId, { states: table });
      const errored = table.find((s) => s.stateName === ERRORED);
      if (!learner || !errored || learner.currentState.isDeadEndState) return false;
      const text = `Error in ${learner.currentState.stateName}: ${error instanceof HttpStepError ? error.record : error.message}`;
      if (await this.store.compareAndSet(userId, learner.currentState, errored, text)) return true;
    }
    return false;
  }
}
