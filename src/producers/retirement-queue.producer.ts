import type { AppContext } from "../app/app-context";
import { pipelineProblems, queueableStates } from "../domain/retirement/retirement-pipeline";
import { RequestRefusedError } from "../errors/request-refused-error";
import { InvalidArgumentsError } from "../errors/invalid-arguments-error";
import type { QueueSet } from "../queues/queue-set";
import { JobName, jobIds } from "../queues/registry";
import { RetirementStatusStore } from "../services/retirement/retirement-status-store";
import { idChunks } from "../util/id-chunks";

interface RetireLearnersOptions {
  coolOffDays: number;
  /** Default: PENDING plus every pipeline END state. */
  states?: string[];
  limit: number;
  abortAbove: number;
  dryRun: boolean;
  /** Learners per job: 1 (default) is one retire-learner job each; more enqueues retire-learners-chunk jobs. */
  chunkSize?: number;
}

interface RetireLearnersOutcome {
  states: string[];
  /** Every learner eligible now, before the batch limit. */
  eligible: number;
  /** The batch taken, by status row id: user ids and their current state. */
  batch: Array<{ userId: number; state: string }>;
  /** Learners in jobs newly created (the rest were already queued or running). */
  enqueued: number;
}

/**
 * get_learners_to_retire + the queue: learners in the requested states whose request (status row `created`) is
 * older than the cool-off, oldest first, at most `limit`, one job each. Refuses when more than `abortAbove` are
 * eligible: counted before the limit (upstream counts after it, so its valve never fires with the defaults).
 */
export async function retireLearners(ctx: AppContext, opts: RetireLearnersOptions): Promise<RetireLearnersOutcome> {
  const table = await new RetirementStatusStore(ctx.dataSource).states();
  const names = table.map((s) => s.stateName);
  if (names.length === 0) throw new RequestRefusedError("user_api_retirementstate is empty: run populate-retirement-states first");
  const mismatch = pipelineProblems(ctx.config.retirement.pipeline, names, "user_api_retirementstate");
  if (mismatch.length > 0) throw new RequestRefusedError(`RETIREMENT_PIPELINE does not match user_api_retirementstate: ${mismatch.join("; ")}`);
  const states = opts.states ?? queueableStates(ctx.config.retirement.pipeline);
  const unknown = states.filter((s) => !names.includes(s));
  if (states.length === 0 || unknown.length > 0) throw new InvalidArgumentsError(`unknown retirement state(s): ${unknown.join(", ") || "(none given)"}`);

  const where = `r.state_name IN (?) AND s.created < UTC_TIMESTAMP(6) - INTERVAL ? DAY`;
  const from = "FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id";
  const [{ n }]: Array<{ n: number }> = await ctx.dataSource.query(`SELECT COUNT(*) AS n ${from} WHERE ${where}`, [states, opts.coolOffDays]);
  const eligible = Number(n);
  if (eligible > opts.abortAbove) {
    throw new RequestRefusedError(`Too many learners to retire! Expected no more than ${opts.abortAbove}, got ${eligible}. Nothing was enqueued; raise --abort-above (RETIREMENT_ABORT_ABOVE) if this is expected.`);
  }
  const rows: Array<{ user_id: number; state_name: string }> = await ctx.dataSource.query(
    `SELECT s.user_id, r.state_name ${from} WHERE ${where} ORDER BY s.id LIMIT ?`,
    [states, opts.coolOffDays, opts.limit],
  );
  const batch = rows.map((r) => ({ userId: Number(r.user_id), state: r.state_name }));
  const userIds = batch.map((b) => b.userId);
  const chunkSize = opts.chunkSize ?? 1;
  const enqueued = opts.dryRun ? 0 : chunkSize > 1 ? await enqueueRetirementChunks(ctx.queues, userIds, chunkSize) : await enqueueRetirements(ctx.queues, userIds);
  return { states, eligible, batch, enqueued };
}

/**
 * One job per learner, id retire-learner.<user id>. A finished job of an earlier run (completed, or failed and
 * kept for inspection) would make BullMQ ignore the new one, so it is re-run; a waiting or running job is left
 * alone: the learner is already queued.
 */
export async function enqueueRetirements(queues: QueueSet, userIds: number[]): Promise<number> {
  return queues.addMany(
    userIds.map((userId) => ({ name: JobName.RetireLearner, data: { userId }, jobId: jobIds.retireLearner(userId) })),
    { rerunFinished: true },
  );
}

/**
 * Learners in chunk jobs of up to `chunkSize` (ids ascending), id retire-learners-chunk.<range>.<count>.<digest>:
 * asking again for the same learners finds the same jobs. A learner may meanwhile also be in another chunk or its
 * own job (a different selection): harmless, since every move is a compare-and-set and the second walk finds the
 * learner moved on. Returns how many learners are in newly created jobs.
 */
export async function enqueueRetirementChunks(queues: QueueSet, userIds: number[], chunkSize: number): Promise<number> {
  const chunks = idChunks(userIds, chunkSize);
  const created = new Set(await queues.addManyNew(chunks.map((ids) => ({ name: JobName.RetireLearnersChunk, data: { userIds: ids }, jobId: jobIds.retireLearnersChunk(ids) })), { rerunFinished: true }));
  return chunks.filter((ids) => created.has(jobIds.retireLearnersChunk(ids))).reduce((n, ids) => n + ids.length, 0);
}
