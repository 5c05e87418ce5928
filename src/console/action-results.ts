import { randomBytes } from "node:crypto";
import type { RedisClient } from "../queues/redis-connections";

/** A job an action enqueued (or found queued already), linked to its page in bull-board. */
export interface EnqueuedJob {
  queue: string;
  id: string;
}

/**
 * What an action did, shown on the page its redirect leads to (Django admin's `message_user` after a redirect).
 * Ids and counts only: it is kept in Redis, which holds no learner's username, email or name.
 */
export interface ActionResult {
  level: "success" | "warning" | "error";
  message: string;
  jobs?: EnqueuedJob[];
  links?: Array<{ href: string; label: string }>;
  /** A command's own output (Run now): the first lines, how many were left out, and the closing line. */
  output?: { lines: Array<{ stream: "out" | "err"; text: string }>; omitted: number; last?: { stream: "out" | "err"; text: string } };
}

/** Long enough to come back to a result page; short enough that Redis does not collect them. */
const RESULT_TTL_SECONDS = 3600;
const ID = /^[0-9a-f]{32}$/;

/**
 * Results of the console's actions, for the POST → 303 → GET pattern: the POST stores its result under a random
 * id and redirects to `<page>?result=<id>`; the GET shows it, as often as it is reloaded, without doing anything
 * again. Kept in Redis rather than in the session: the session is re-saved by every request (rolling), so
 * bull-board's polling in another tab would overwrite a message written into it meanwhile. A result is readable
 * only by the staff user whose action made it.
 */
export class ActionResults {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
  ) {}

  private key(id: string): string {
    return `${this.keyPrefix}:result:${id}`;
  }

  async put(staffUserId: number, result: ActionResult): Promise<string> {
    const id = randomBytes(16).toString("hex");
    await this.redis.set(this.key(id), JSON.stringify({ staffUserId, result }), "EX", RESULT_TTL_SECONDS);
    return id;
  }

  async get(staffUserId: number, id: string): Promise<ActionResult | undefined> {
    if (!ID.test(id)) return undefined;
    const raw = await this.redis.get(this.key(id));
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as { staffUserId: number; result: ActionResult };
    return stored.staffUserId === staffUserId ? stored.result : undefined;
  }
}
