import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { END_STATES } from "../../domain/retirement/retirement-states";
import { PartnerReportingStore } from "../../services/retirement/partner-reporting-store";
import { LOOKUP_MAX_MATCHES, findRetirementsByIdentifier } from "../../services/retirement/retirement-lookup";
import { completedPerDay, learnersPerState, listStatuses, type StatusFilter } from "../../services/retirement/retirement-status-listing";
import { RetirementStatusStore } from "../../services/retirement/retirement-status-store";
import type { ConsoleContext } from "../console-context";
import { dayRange, field, optionalId, queryString, type FieldErrors } from "../form-input";
import { page } from "../page";
import { paths } from "../paths";
import { dailyColumns, funnelChart } from "../svg-charts";
import { retirementLearnerRoutes } from "./retirement-learner-routes";
import { retirementStatesRoutes } from "./retirement-states-routes";

const PAGE_SIZE = 50;
const COMPLETED_DAYS = 30;
/** An email is at most 254 characters (the column's width); anything longer matches nothing. */
const LOOKUP_MAX_LENGTH = 254;

/**
 * The retirement pages (Django admin's UserRetirementStatus, plus a funnel): the learners' list with filters and
 * keyset paging, the look-up by original username or email, a learner's page with its moves
 * (retirement-learner-routes.ts), the charts, and the state table (retirement-states-routes.ts). Pages show user
 * ids and retired identifiers only, never a learner's original username, email or name.
 * Reads are open to every staff user; the signed-in area refuses every POST to non-admins (403) and without CSRF.
 */
export async function retirementArea(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const ds = ctx.dataSource;
  const store = new RetirementStatusStore(ds);

  app.get(paths.retirement.index, async (_request, reply) => {
    const [perState, perDay, partnerReportWaiting] = await Promise.all([learnersPerState(ds), completedPerDay(ds, COMPLETED_DAYS), new PartnerReportingStore(ds).waiting()]);
    const outcomeNames: readonly string[] = END_STATES.filter((s) => s !== "COMPLETE");
    const pipeline = perState.filter((s) => !outcomeNames.includes(s.stateName)).map((s) => ({ label: s.stateName, count: s.count }));
    const outcomes = perState.filter((s) => outcomeNames.includes(s.stateName)).map((s) => ({ label: s.stateName, count: s.count, cls: s.stateName === "ERRORED" ? "bad" : "off" }));
    return page(reply, "retirement/overview.eta", {
      title: "Retirement",
      tab: "overview",
      total: perState.reduce((n, s) => n + s.count, 0),
      funnel: funnelChart(pipeline, outcomes),
      daily: dailyColumns(perDay),
      days: COMPLETED_DAYS,
      partnerReportWaiting,
    });
  });

  /** The learners' list; `lookup` is what the look-up form shows after a POST (an error or several matches). */
  async function learnersList(request: FastifyRequest, reply: FastifyReply, lookup: { error?: string; matches?: number[]; status?: number } = {}): Promise<FastifyReply> {
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
    // A user id (digits) or a retired username here; original identifiers go through the look-up form (a POST).
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
    const list = invalid ? { rows: [], hasNewer: false, hasOlder: false } : await listStatuses(ds, filter, { after, before, size: PAGE_SIZE });
    const base = paths.retirement.learners;
    return page(
      reply,
      "retirement/learners.eta",
      {
        title: "Retirement · learners",
        tab: "learners",
        states: states.map((s) => s.stateName),
        values,
        errors,
        lookup,
        page: list,
        pageSize: PAGE_SIZE,
        newerHref: list.hasNewer ? base + queryString({ ...values, before: list.rows[0]?.id ?? after }) : undefined,
        olderHref: list.hasOlder ? base + queryString({ ...values, after: list.rows.at(-1)?.id }) : undefined,
        firstHref: after !== undefined || before !== undefined ? base + queryString(values) : undefined,
      },
      lookup.status ?? (invalid ? 400 : 200),
    );
  }

  app.get(paths.retirement.learners, async (request, reply) => learnersList(request, reply));

  // A POST, so the typed username or email is in no URL, browser history or access log; it is used for the query
  // and dropped: never rendered back, never logged. One match leads to the learner's page by user id.
  app.post(paths.retirement.lookup, { config: { readsOnly: true } }, async (request, reply) => {
    const value = field(request.body, "identifier");
    if (value === "") return learnersList(request, reply, { error: "Type the learner's user id, original username or original email.", status: 400 });
    const matches = value.length > LOOKUP_MAX_LENGTH ? [] : await findRetirementsByIdentifier(ds, value);
    if (matches.length === 0) {
      return learnersList(request, reply, { error: "No retirement request has that exact user id, original username or original email.", status: 404 });
    }
    if (matches.length === 1) return reply.redirect(paths.retirement.learner(matches[0]), 303);
    return learnersList(request, reply, {
      matches: matches.slice(0, LOOKUP_MAX_MATCHES),
      error: matches.length > LOOKUP_MAX_MATCHES ? `More than ${LOOKUP_MAX_MATCHES} requests match; the first ${LOOKUP_MAX_MATCHES} are listed.` : undefined,
    });
  });

  await app.register(retirementLearnerRoutes, { ctx });
  await app.register(retirementStatesRoutes, { ctx });
}
