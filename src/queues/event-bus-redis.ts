import type IORedis from "ioredis";
import { createRedisClient, type RedisConnectionSettings } from "./redis-connections";

/** No bus call may hang: a stuck XADD or XACK becomes an error the job or loop retries. */
const EVENT_BUS_COMMAND_TIMEOUT_MS = 5000;

/**
 * The connection to the event bus Redis (EVENT_BUS_REDIS_CONNECTION_URL, often the same server as the queues),
 * opened on first use and closed with the process's context. It reconnects forever; each command times out.
 * Typed as one server: the LMS's event bus (edx-event-bus-redis) is never a Cluster, and the configuration refuses
 * a bus on the queues' Redis Cluster (EVENT_BUS_REDIS_CONNECTION_URL is then required).
 */
export class EventBusRedis {
  private client?: IORedis;

  constructor(private readonly settings: RedisConnectionSettings | string) {}

  get redis(): IORedis {
    this.client ??= createRedisClient(this.settings, "worker", { commandTimeout: EVENT_BUS_COMMAND_TIMEOUT_MS }) as IORedis;
    return this.client;
  }

  /** A separate connection for blocking reads (XREADGROUP BLOCK), which would stall every other command. */
  blockingConnection(blockMs: number): IORedis {
    return createRedisClient(this.settings, "worker", { commandTimeout: blockMs + EVENT_BUS_COMMAND_TIMEOUT_MS }) as IORedis;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.quit().catch(() => c.disconnect());
  }
}
