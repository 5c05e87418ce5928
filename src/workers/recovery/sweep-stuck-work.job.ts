import type { AppContext } from "../../app/app-context";
import type { AppConfig } from "../../config";
import { StuckWorkSweeper, liveCount, type SweepCounts } from "../../producers/stuck-work.sweeper";
import { JobName } from "../../queues/registry";
import type { JobDefinition } from "../job-handler";
import type { ScheduleDefinition } from "../schedule-definition";

type SweepJob = JobName.SweepStuckLearners | JobName.SweepStuckGeneration | JobName.SweepStuckPurges;

function sweepJob<J extends SweepJob>(ctx: AppContext, what: string, sweep: (s: StuckWorkSweeper, minutes: number) => Promise<SweepCounts>): JobDefinition<J> {
  const sweeper = new StuckWorkSweeper(ctx);
  return {
    async handle(job) {
      const counts = await sweep(sweeper, ctx.config.erasure.sweeper.stuckAfterMinutes);
      const log = counts.reenqueued > 0 ? ctx.logger.warn.bind(ctx.logger) : ctx.logger.info.bind(ctx.logger);
      log(`stuck-work sweep: ${what}`, { jobId: job.id, ...counts, live: liveCount(counts) });
      return { status: "done", ...counts };
    },
  };
}

export const sweepStuckLearnersJob = (ctx: AppContext) => sweepJob<JobName.SweepStuckLearners>(ctx, "learners", (s, m) => s.learners(m));
export const sweepStuckGenerationJob = (ctx: AppContext) => sweepJob<JobName.SweepStuckGeneration>(ctx, "certificate generation", (s, m) => s.generation(m));
export const sweepStuckPurgesJob = (ctx: AppContext) => sweepJob<JobName.SweepStuckPurges>(ctx, "PDF certificate purges", (s, m) => s.purges(m));

const pattern = (config: AppConfig) => config.erasure.sweeper.scheduleCron;

/** One sweeper per queue, so each family is swept by its own workers. */
export const SWEEP_SCHEDULES: ScheduleDefinition[] = [
  { schedulerId: "sweep-stuck-learners", jobName: JobName.SweepStuckLearners, pattern, data: () => ({}) },
  { schedulerId: "sweep-stuck-generation", jobName: JobName.SweepStuckGeneration, pattern, data: () => ({}) },
  { schedulerId: "sweep-stuck-purges", jobName: JobName.SweepStuckPurges, pattern, data: () => ({}) },
] as ScheduleDefinition[];
