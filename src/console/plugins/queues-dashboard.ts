import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import type { FastifyInstance } from "fastify";
import type { ConsoleContext } from "../console-context";

const QUEUES_PATH = "/queues";

/** Queue options bull-board reports to its UI; read-only users get them switched off (the UI then hides the buttons). */
interface BoardQueue {
  readOnlyMode?: boolean;
  allowRetries?: boolean;
  allowCompletedRetries?: boolean;
}

/**
 * bull-board at /queues for every queue of the registry. Its write routes are guarded like every other changing
 * route of the signed-in area (admin + CSRF); for read-only users the queue list also says `readOnlyMode`, which is
 * bull-board's own read-only UI. One board serves both roles, since bull-board fixes read-only mode per queue.
 */
export async function queuesDashboardPlugin(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: [...opts.ctx.queues.values()].map((q) => new BullMQAdapter(q, { readOnlyMode: false })),
    // @bull-board/fastify ships its own copy of the api package's types; the runtime contract is the same.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]["serverAdapter"],
    // bull-board is its own page: the sign-out link leads to /logout's confirmation form (sign-out is a POST).
    options: { uiConfig: { boardTitle: "openedx-workers", miscLinks: [{ text: "Sign out", url: "/logout" }] } },
  });

  await app.register(async (board) => {
    board.addHook("onSend", async (request, _reply, payload) => {
      if (request.staff?.role === "admin" || request.method !== "GET" || !request.url.startsWith(`${QUEUES_PATH}/api/queues`)) return payload;
      if (typeof payload !== "string") return payload;
      let body: { queues?: BoardQueue[] };
      try {
        body = JSON.parse(payload) as { queues?: BoardQueue[] };
      } catch {
        return payload;
      }
      for (const q of body.queues ?? []) Object.assign(q, { readOnlyMode: true, allowRetries: false, allowCompletedRetries: false });
      return JSON.stringify(body);
    });
    await board.register(serverAdapter.registerPlugin(), { prefix: QUEUES_PATH });
  });

  app.get("/", async (_request, reply) => reply.redirect(QUEUES_PATH));
}
