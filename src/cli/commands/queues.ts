import { loadConfig } from "../../config";
import { ServiceUnavailableError } from "../../errors/service-unavailable-error";
import { QueueSet } from "../../queues/queue-set";
import { connectionRefusal, redisSettings } from "../../queues/redis-connections";
import { ALL_QUEUES, JOB_STATES as STATES, parseQueueNames } from "../../queues/registry";
import { redisFailureDetail } from "../../services/health/failure-detail";
import { HELP_OPTION, type CommandBody } from "../command";

export const queuesCommand: CommandBody = {
  usage: "openedx-workers queues [--queues a,b] [--json]",
  options: {
    queues: { type: "string", valueName: "a,b", description: `Queues to show (default all: ${ALL_QUEUES.join(", ")})` },
    json: { type: "boolean", description: "Print JSON: {queue: {state: count}}" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const config = loadConfig(io.env);
    const names = options.queues ? parseQueueNames(String(options.queues)) : ALL_QUEUES;
    const queues = new QueueSet(config);
    try {
      const counts: Record<string, Record<string, number>> = {};
      for (const name of names) counts[name] = await queues.queue(name).getJobCounts(...STATES);
      if (options.json) {
        io.out(JSON.stringify(counts, null, 2));
        return 0;
      }
      const header = ["queue", ...STATES];
      const rows = names.map((n) => [n, ...STATES.map((s) => String(counts[n][s] ?? 0))]);
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
      io.out(line(header));
      for (const r of rows) io.out(line(r));
      return 0;
    } catch (err) {
      throw new ServiceUnavailableError("Redis", redisFailureDetail(redisSettings(config), err, connectionRefusal(queues.connection)));
    } finally {
      await queues.close();
    }
  },
};
