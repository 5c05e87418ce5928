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

const COMPLETE = "COMPLETE";
const ERRORED = "ERRORED";

/**
 * Advances one learner through the pipeline, like upstream's retire_one_learner but safe under a queue:
 * resumes after the last completed END state; re-runs a step whose START state it finds the learner in (a crash
 * or a lost lock happened there); claims each START with a compare-and-set; applies each step's DB changes in
 * the transaction that moves the learner to END while holding its status row. Whoever loses a compare-and-set
 * stops at once: another worker is advancing the learner, and two must never interleave steps.
 */
export class RetirementEngine {
  private readonly store: RetirementStatusStore;
  private readonly steps: Map<string, RetirementStep>;
  private readonly pipeline: PipelineStep[];
  private readonly missingSettings: string[];

  constructor(private readonly ctx: AppContext) {
    this.store = new RetirementStatusStore(ctx.dataSource);
    this.pipeline = ctx.config.retirement.pipeline;
    this.missingSettings = missingServiceSettings(this.pipeline, ctx.config.retirement.services);
    this.steps = new Map([...builtInSteps(ctx), ...(this.missingSettings.length === 0 ? httpSteps(ctx, this.store) : [])]);
  }

  /** `retry`: the bookkeeping of an HTTP step's earlier failed tries, carried by the job (see RetryLaterError). */
  async retire(userId: number, jobId: string, retry?: StepRetryState): Promise<JobResult> {
    if (this.missingSettings.length > 0) throw new ServiceNotConfiguredError(this.missingSettings);
    const table = await this.store.states();
    const mismatch = pipelineProblems(this.pipeline, table.map((s) => s.stateName), "user_api_retirementstate");
    if (mismatch.length > 0) throw new PipelineMismatchError(mismatch);
    const state = (name: string) => table.find((s) => s.stateName === name)!;

    const learner = await this.store.load(userId, { states: table });
    if (!learner) throw new LearnerRefusedError(`user ${userId} has no retirement status row`);
    const log = { userId, jobId };
    if (learner.currentState.isDeadEndState) {
      this.ctx.logger.warn("learner is in an end state; nothing to do", { ...log, state: learner.currentState.stateName });
      return { status: "skipped", userId, reason: `in end state ${learner.currentState.stateName}` };
    }
    if (!driverStates(this.pipeline).includes(learner.currentState.stateName)) {
      throw new LearnerRefusedError(`user ${userId} is in ${describeState(learner.currentState)}, a state the retirement pipeline does not use`);
    }

    let at = learner.currentState;
    for (const step of remainingSteps(this.pipeline, at.stateName)) {
      const start = state(step.startState);
      const end = state(step.endState);
      if (at.id === start.id) {
        this.ctx.logger.info("resuming a step the learner was left in", { ...log, state: start.stateName });
      } else if (!(await this.store.compareAndSet(userId, at, start, `Starting: ${start.stateName}`))) {
        return this.lostRace(log, at);
      }
      at = start;
      const ran = await this.runStep(step, learner, table, start, end, jobId, retry?.state === start.stateName ? retry : undefined);
      if (!ran) return this.lostRace(log, start);
      at = end;
      this.ctx.logger.info("retirement step done", { ...log, state: end.stateName, method: `${step.service}.${step.method}` });
    }
    if (!(await this.store.compareAndSet(userId, at, state(COMPLETE), "Learner retirement complete."))) return this.lostRace(log, at);
    this.ctx.logger.info("learner retired", log);
    return { status: "done", userId, state: COMPLETE };
  }

  /** prepare (no lock), then apply + move to END in one transaction holding the status row; false if the learner moved. */
  private async runStep(
    step: PipelineStep,
    learner: LearnerStatus,
    table: RetirementStateRow[],
    start: RetirementStateRow,
    end: RetirementStateRow,
    jobId: string,
    retry: StepRetryState | undefined,
  ): Promise<boolean> {
    const impl = this.steps.get(`${step.service}.${step.method}`);
    if (!impl) throw new Error(`internal: no implementation for ${step.service}.${step.method}`);
    // External work only while the learner is really in this step (an operator may have aborted it meanwhile).
    const before = await this.store.load(learner.userId, { states: table });
    if (before?.currentState.id !== start.id) return false;
    // Two-phase steps also need the row's `modified` as it was now: see below.
    const seen = impl.finish ? await this.store.modifiedToken(learner.userId) : undefined;
    const prepared = impl.prepare ? await impl.prepare(learner, jobId, { state: start, retry }) : undefined;
    const finish = impl.finish;
    if (!finish) return this.underLock(learner.userId, table, start, undefined, async (em) => this.moveToEnd(em, learner.userId, start, end, await impl.apply(em, learner, prepared)));
    // Two phases: the DB changes commit while the learner stays in START, then the late external work (no lock
    // held), then the move to END. A crash in between re-runs the step from START; each part is idempotent.
    // The state alone cannot tell two live workers apart while the learner stays in START, so the row's `modified`
    // is the claim: phase 1 proceeds only if nobody touched the row since this worker looked, and touches it; the
    // move to END only if the row still carries this worker's touch. The loser stops, as with a lost state CAS.
    let response = "";
    let claim: string | undefined;
    const applied = await this.underLock(learner.userId, table, start, seen, async (em) => {
      response = await impl.apply(em, learner, prepared);
      claim = await this.store.touch(learner.userId, em);
    });
    if (!applied) return false;
    await finish(learner, jobId);
    return this.underLock(learner.userId, table, start, claim, async (em) => this.moveToEnd(em, learner.userId, start, end, response));
  }

  /**
   * Runs `work` in a transaction holding the learner's status row, only if the learner is still in `start` (and,
   * when `modified` is given, the row's `modified` is still that value).
   */
  private underLock(userId: number, table: RetirementStateRow[], start: RetirementStateRow, modified: string | undefined, work: (em: EntityManager) => Promise<void>): Promise<boolean> {
    return this.ctx.dataSource.transaction(async (em) => {
      const locked = await this.store.load(userId, { em, lock: true, states: table });
      if (!locked || locked.currentState.id !== start.id) return false;
      if (modified !== undefined && (await this.store.modifiedToken(userId, em)) !== modified) return false;
      await work(em);
      return true;
    });
  }

  private async moveToEnd(em: EntityManager, userId: number, start: RetirementStateRow, end: RetirementStateRow, response: string): Promise<void> {
    const moved = await this.store.compareAndSet(userId, start, end, `Ending: ${end.stateName} with response:\n${response}`, em);
    if (!moved) throw new Error(`internal: user ${userId} left ${start.stateName} while its row was locked`);
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
