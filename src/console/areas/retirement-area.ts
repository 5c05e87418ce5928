import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { END_STATES } from "../../domain/retirement/retirement-states";
import { TransitionRefusedError } from "../../domain/retirement/state-transitions";
import { enqueueRetirements } from "../../producers/retirement-queue.producer";
import { rewindErroredLearner, setLearnerState, type OperatorMoveOutcome } from "../../services/retirement/retirement-operator-actions";
import { completedPerDay, learnersPerState, learnerView, listStatuses, type StatusFilter } from "../../services/retirement/retirement-status-listing";
import { RetirementStatusStore } from "../../services/retirement/retirement-status-store";
import { cancelRetirement } from "../../services/retirement/retirement-cancellation";
import { PartnerReportingStore } from "../../services/retirement/partner-reporting-store";
import type { StaffUser } from "../../services/auth/staff-directory";
import type { ConsoleContext } from "../console-context";
import { checkbox, dayRange, field, optionalId, queryString, requiredText, type FieldErrors } from "../form-input";
import { dailyColumns, funnelChart } from "../svg-charts";
import { retirementStatesRoutes } from "./retirement-states-routes";
import { producerContext } from "./area-support";

export const RETIREMENT_PATH = "/retirement";
const PAGE_SIZE = 50;
const REASON_MAX = 1000;
const COMPLETED_DAYS = 30;

/** Who did it, written into `responses` with the reason (the LMS's own record of the learner's retirement). */
export function actorNote(staff: StaffUser, action: string, reason: string): string {
  return `${action} by ${staff.username} (auth_user ${staff.id}) in the openedx-workers console at ${new Date().toISOString()}. Reason: ${reason}`;
}

/**
 * The retirement pages (Django admin's UserRetirementStatus, plus a funnel): the learners' list with filters and
 * keyset paging, a learner's page with its `responses` timeline and the operator moves of `retirement-status`
 * (through the same service code), the charts, and the state table (retirement-states-routes.ts). Pages show user
 * ids and retired identifiers only, never a learner's original username, email or name.
 * Reads are open to every staff user; the signed-in area refuses every POST to non-admins (403) and without CSRF.
 */
export async function retirementArea(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const ds = ctx.dataSource;
  const store = new RetirementStatusStore(ds);
  // Producer connection for rewind's enqueue: the areas' shared one, whose close is bounded when Redis is down.
  const { queues } = producerContext(app, ctx);

  app.get(RETIREMENT_PATH, async (_request, reply) => {
    const [perState, perDay, partnerReportWaiting] = await Promise.all([learnersPerState(ds), completedPerDay(ds, COMPLETED_DAYS), new PartnerReportingStore(ds).waiting()]);
    const outcomeNames: readonly string[] = END_STATES.filter((s) => s !== "COMPLETE");
    const pipeline = perState.filter((s) => !outcomeNames.includes(s.stateName)).map((s) => ({ label: s.stateName, count: s.count }));
    const outcomes = perState.filter((s) => outcomeNames.includes(s.stateName)).map((s) => ({ label: s.stateName, count: s.count, cls: s.stateName === "ERRORED" ? "bad" : "off" }));
    return reply.type("text/html").render("retirement/overview.eta", {
      title: "Retirement",
      tab: "overview",
      total: perState.reduce((n, s) => n + s.count, 0),
      funnel: funnelChart(pipeline, outcomes),
      daily: dailyColumns(perDay),
      days: COMPLETED_DAYS,
      partnerReportWaiting,
    });
  });

  app.get(`${RETIREMENT_PATH}/learners`, async (request, reply) => {
    const q = request.query;
    const errors: FieldErrors = {};
    const states = await store.states();
    const stateName = field(q, "state");
    if (stateName && !states.some((s) => s.stateName === stateName)) errors.state = `Unknown state "${stateName}": choose one of the list.`;
    const created = dayRange(errors, "created_from", "created_to", q);
    const modified = dayRange(errors, "modified_from", "modified_to", q);
    const search = field(q, "q");
    const after = optionalId(errors, "after", field(q, "after"));
    const before = optionalId(errors, "before", field(q, "before"));
    const filter: StatusFilter = {
      stateName: stateName || undefined,
      createdFrom: created.from,
      createdTo: created.to,
      modifiedFrom: modified.from,
      modifiedTo: modified.to,
    };
    // A user id (digits) or a retired username; never an original username or email (no PII look-ups here).
    if (/^\d+$/.test(search)) filter.userId = optionalId(errors, "q", search, "a user id");
    else if (search) filter.retiredUsername = search;
    const values = {
      state: stateName,
      created_from: field(q, "created_from"),
      created_to: field(q, "created_to"),
      modified_from: field(q, "modified_from"),
      modified_to: field(q, "modified_to"),
      q: search,
    };
    const invalid = Object.keys(errors).length > 0;
    const page = invalid ? { rows: [], hasNewer: false, hasOlder: false } : await listStatuses(ds, filter, { after, before, size: PAGE_SIZE });
    const base = `${RETIREMENT_PATH}/learners`;
    return reply
      .code(invalid ? 400 : 200)
      .type("text/html")
      .render("retirement/learners.eta", {
        title: "Retirement · learners",
        tab: "learners",
        notice: field(q, "cancelled") && /^\d+$/.test(field(q, "cancelled")) ? `Retirement request of user ${field(q, "cancelled")} cancelled: email restored, status and request rows deleted. The learner signs in again through password reset.` : undefined,
        fmt: formatUtc,
        states: states.map((s) => s.stateName),
        values,
        errors,
        page,
        pageSize: PAGE_SIZE,
        newerHref: page.hasNewer ? base + queryString({ ...values, before: page.rows[0]?.id ?? after }) : undefined,
        olderHref: page.hasOlder ? base + queryString({ ...values, after: page.rows.at(-1)?.id }) : undefined,
        firstHref: after !== undefined || before !== undefined ? base + queryString(values) : undefined,
      });
  });

  async function learnerPage(
    request: FastifyRequest,
    reply: FastifyReply,
    userId: number,
    form: { errors?: FieldErrors; values?: Record<string, unknown>; status?: number; notice?: string } = {},
  ): Promise<FastifyReply> {
    const learner = await learnerView(ds, userId);
    if (!learner) return reply.code(404).type("text/html").render("error.eta", { title: "No such learner", message: `User ${userId} has no retirement status row.` });
    const states = await store.states();
    return reply
      .code(form.status ?? 200)
      .type("text/html")
      .render("retirement/learner.eta", {
        title: `Retirement · user ${userId}`,
        tab: "learners",
        fmt: formatUtc,
        learner,
        states: states.map((s) => s.stateName),
        isAdmin: request.staff?.role === "admin",
        errors: form.errors ?? {},
        values: { state: "", force: false, reason: "", rewind_reason: "", enqueue: true, cancel_confirm: false, ...form.values },
        notice: form.notice ?? noticeFor(field(request.query, "done"), learner.stateName),
        pipeline: ctx.config.retirement.pipeline,
      });
  }

  function userIdParam(request: FastifyRequest): number | undefined {
    return optionalId({}, "userId", String((request.params as { userId?: string }).userId ?? ""));
  }

  const notFound = (reply: FastifyReply) => reply.code(404).type("text/html").render("error.eta", { title: "Not found", message: "That is not a user id." });

  app.get(`${RETIREMENT_PATH}/learners/:userId`, async (request, reply) => {
    const userId = userIdParam(request);
    return userId === undefined ? notFound(reply) : learnerPage(request, reply, userId);
  });

  app.post(`${RETIREMENT_PATH}/learners/:userId/state`, async (request, reply) => {
    const userId = userIdParam(request);
    if (userId === undefined) return notFound(reply);
    const body = request.body;
    const errors: FieldErrors = {};
    const states = await store.states();
    const state = field(body, "state");
    if (!state) errors.state = "Choose the state to move the learner to.";
    else if (!states.some((s) => s.stateName === state)) errors.state = `Unknown state "${state}": choose one of the list.`;
    const force = checkbox(body, "force");
    const reason = requiredText(errors, "reason", field(body, "reason"), { label: "A reason", max: REASON_MAX });
    const values = { state, force, reason };
    if (Object.keys(errors).length > 0) return learnerPage(request, reply, userId, { errors, values, status: 400 });
    let outcome: OperatorMoveOutcome;
    try {
      outcome = await setLearnerState(store, userId, state, { force, states, response: actorNote(request.staff!, force ? "Set (forced)" : "Set", reason) });
    } catch (err) {
      if (!(err instanceof TransitionRefusedError)) throw err;
      return learnerPage(request, reply, userId, { errors: { state: `${err.message}. Tick "force" to move anyway.` }, values, status: 409 });
    }
    if (outcome.status !== "moved") return refusedMove(request, reply, userId, outcome, "state", values);
    ctx.logger.info("console: retirement state set", { userId, staffUserId: request.staff!.id, from: outcome.from.stateName, to: outcome.to.stateName, force });
    return reply.redirect(`${RETIREMENT_PATH}/learners/${userId}?done=set`, 303);
  });

  app.post(`${RETIREMENT_PATH}/learners/:userId/rewind`, async (request, reply) => {
    const userId = userIdParam(request);
    if (userId === undefined) return notFound(reply);
    const body = request.body;
    const errors: FieldErrors = {};
    const reason = requiredText(errors, "rewind_reason", field(body, "rewind_reason"), { label: "A reason", max: REASON_MAX });
    const enqueue = checkbox(body, "enqueue");
    const values = { rewind_reason: reason, enqueue };
    if (Object.keys(errors).length > 0) return learnerPage(request, reply, userId, { errors, values, status: 400 });
    const outcome = await rewindErroredLearner(store, ctx.config.retirement.pipeline, userId, {
      response: (failedIn) => `${actorNote(request.staff!, "Rewound", reason)} (failed in ${failedIn})`,
    });
    if (outcome.status !== "moved") return refusedMove(request, reply, userId, outcome, "rewind_reason", values);
    if (enqueue) {
      await enqueueRetirements(queues, [userId]);
    }
    ctx.logger.info("console: errored learner rewound", { userId, staffUserId: request.staff!.id, to: outcome.to.stateName, enqueued: enqueue });
    return reply.redirect(`${RETIREMENT_PATH}/learners/${userId}?done=${enqueue ? "rewound-enqueued" : "rewound"}`, 303);
  });

  /**
   * The LMS admin's Cancel button on a PENDING UserRetirementStatus (user_api admin `cancel_retirement` with its
   * RetirementQueueDeletionForm, whose `cancel_retirement` box must be ticked), through cancel-retirement's code. The
   * status row is deleted, so the record is the console log line (staff user, learner id).
   */
  app.post(`${RETIREMENT_PATH}/learners/:userId/cancel`, async (request, reply) => {
    const userId = userIdParam(request);
    if (userId === undefined) return notFound(reply);
    if (!checkbox(request.body, "cancel_confirm")) {
      return learnerPage(request, reply, userId, { errors: { cancel_confirm: "Tick the box to confirm: the request is cancelled and the learner's email restored." }, status: 400 });
    }
    const outcome = await cancelRetirement(ds, userId);
    if (outcome.status === "no-status-row") return learnerPage(request, reply, userId);
    if (outcome.status === "not-pending") {
      return learnerPage(request, reply, userId, {
        errors: { cancel_confirm: `Retirement requests can only be cancelled for users in the PENDING state; the learner is in ${outcome.stateName}. Nothing changed.` },
        status: 409,
      });
    }
    ctx.logger.warn("console: retirement request cancelled", { userId, staffUserId: request.staff!.id });
    return reply.redirect(`${RETIREMENT_PATH}/learners?cancelled=${userId}`, 303);
  });

  function refusedMove(request: FastifyRequest, reply: FastifyReply, userId: number, outcome: OperatorMoveOutcome, at: string, values: Record<string, unknown>) {
    const message =
      outcome.status === "not-errored"
        ? `The learner is in ${outcome.state.stateName}, not ERRORED: only an ERRORED learner can be rewound.`
        : "The learner changed state meanwhile (a worker or another operator moved it); nothing was written. Check the state and try again.";
    if (outcome.status === "no-status-row") return learnerPage(request, reply, userId);
    return learnerPage(request, reply, userId, { errors: { [at]: message }, values, status: 409 });
  }

  await app.register(retirementStatesRoutes, { ctx });
}

/** 2026-12-03 07:50:12 UTC */
function formatUtc(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function noticeFor(done: string, state: string): string | undefined {
  if (done === "set") return `Moved to ${state}.`;
  if (done === "rewound") return `Rewound to ${state}; the next retire-learners run picks the learner up.`;
  if (done === "rewound-enqueued") return `Rewound to ${state} and enqueued: a retirement worker resumes from there.`;
  return undefined;
}
