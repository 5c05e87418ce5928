import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import type { FastifyInstance } from "fastify";
import type { ConsoleContext } from "../console-context";
import { refuse, requireAdmin } from "../guards";
import { paths } from "../paths";
import { boardAction, QueueActionLog } from "./queue-action-log";

const QUEUES_PATH = paths.queues.index;

/**
 * bull-board routes refused to everyone, admins included (403): jobs are enqueued by the producers (the CLI and the
 * schedules), which select the rows, check edx-platform's rules and derive the deduplicating job ids; a payload is
 * ids only, so adding a job or editing its data by hand would retarget work at another learner or certificate with
 * none of those checks. Job schedulers come from the configuration (the worker re-creates them at start), so an
 * edit in the UI would silently not last. Retry, promote, clean, pause/resume and the rest stay open to admins, and
 * each is recorded (QueueActionLog); a schedule an admin removes is re-created by the workers' periodic check.
 */
const REFUSED_ROUTES = new Set([
  `${QUEUES_PATH}/api/queues/:queueName/add`,
  `${QUEUES_PATH}/api/queues/:queueName/:jobId/update-data`,
  `${QUEUES_PATH}/api/queues/:queueName/job-schedulers/:schedulerId`,
]);

/** bull-board's page links IBM Plex from Google Fonts; the console serves nothing from other origins (CSP 'self'). */
const EXTERNAL_FONTS_LINK = /<link href="https:\/\/fonts\.googleapis\.com\/[^"]*" rel="stylesheet">\s*/g;

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
  const actions = new QueueActionLog(opts.ctx.redis, opts.ctx.config.queuePrefix, opts.ctx.logger);
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: [...opts.ctx.queues.values()].map((q) => new BullMQAdapter(q, { readOnlyMode: false })),
    // @bull-board/fastify ships its own copy of the api package's types; the runtime contract is the same.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]["serverAdapter"],
    // bull-board is its own page: its menu leads back to the console's home, and the sign-out link to /logout's
    // form (sign-out is a POST).
    options: {
      uiConfig: {
        boardTitle: "openedx-workers",
        miscLinks: [
          { text: "Console home", url: paths.home },
          { text: "Sign out", url: paths.logout },
        ],
        favIcon: { default: paths.favicon, alternative: paths.favicon },
      },
    },
  });

  await app.register(async (board) => {
    board.addHook("preHandler", async (request, reply) => {
      if (request.method !== "GET" && REFUSED_ROUTES.has(request.routeOptions.url ?? "")) {
        return refuse(request, reply, 403, "Jobs are enqueued by openedx-workers' commands and schedules, not edited here.");
      }
    });
    // Every change that passed the guards (admin + CSRF, see signed-in-area.ts) is recorded before bull-board runs
    // it: who, when, which queue, what. One that cannot be recorded is not done.
    board.addHook("preHandler", async (request, reply) => {
      const route = request.routeOptions.url ?? "";
      if (request.method === "GET" || request.method === "HEAD" || !route.startsWith(`${QUEUES_PATH}/api/`)) return;
      if (request.staff?.role !== "admin") return requireAdmin(request, reply);
      const what = boardAction(route.slice(QUEUES_PATH.length), request.params as Record<string, string | undefined>);
      try {
        await actions.record({ userId: request.staff.id, ...what });
      } catch (err) {
        opts.ctx.logger.error("console: a queue action could not be recorded; refused", { userId: request.staff.id, queue: what.queue, action: what.action, error: err });
        return reply.code(503).send({ error: "The action could not be recorded (Redis?), so it was not done." });
      }
    });
    // Without the link the page requests nothing from another origin; the UI falls back to the system sans-serif.
    board.addHook("onSend", async (_request, reply, payload) => {
      if (typeof payload !== "string" || !String(reply.getHeader("content-type") ?? "").startsWith("text/html")) return payload;
      return payload.replace(EXTERNAL_FONTS_LINK, "");
    });
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
}
