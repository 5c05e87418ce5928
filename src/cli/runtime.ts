import { closeAppContext, type AppContext } from "../app/app-context";
import { createAppContext } from "../services/app-context-factory";
import { loadConfig, type AppConfig } from "../config";
import { ServiceUnavailableError } from "../errors/service-unavailable-error";
import { createLogger } from "../logging/logger";
import { InvalidArgumentsError } from "../errors/invalid-arguments-error";
import { RequestRefusedError } from "../errors/request-refused-error";
import { connectionRefusal, redisSettings } from "../queues/redis-connections";
import { databaseFailureDetail, redisFailureDetail } from "../services/health/failure-detail";
import type { CliIo } from "./command";

/** Loads config (listing every problem), builds the context, runs `fn`, and always closes connections. */
export async function withAppContext<T>(io: CliIo, require: string[], fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config: AppConfig = loadConfig(io.env, { require });
  let ctx: AppContext;
  try {
    ctx = await createAppContext(config, createLogger(config));
  } catch (err) {
    // Opening the pool is the first database round trip: name the service rather than print a driver trace.
    throw new ServiceUnavailableError("database", databaseFailureDetail(config.databaseUrl, err));
  }
  try {
    return await fn(ctx);
  } catch (err) {
    // A command that failed because Redis refused or dropped its connection names Redis (exit 1, one line) rather
    // than print the client's "Connection is closed.". Decided from the connection's state, not the message.
    const refusal = connectionRefusal(ctx.queues.connection);
    if (refusal || (!(err instanceof RequestRefusedError) && !(err instanceof InvalidArgumentsError) && ctx.queues.connection.status === "end")) {
      throw new ServiceUnavailableError("Redis", redisFailureDetail(redisSettings(config), err, refusal));
    }
    throw err;
  } finally {
    await closeAppContext(ctx);
  }
}

/** Progress for long CLI work: at most a line a second, plus the final one, on stderr. */
export function progressReporter(io: CliIo, label: string): (done: number, total?: number, final?: boolean) => void {
  let last = 0;
  let lastLine = "";
  return (done, total, final = false) => {
    const now = Date.now();
    const line = `${label}: ${done}${total !== undefined ? `/${total}` : ""}`;
    if (line === lastLine || (!final && now - last < 1000)) return;
    last = now;
    lastLine = line;
    io.err(line);
  };
}
