import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { parseOverrideDate } from "../../domain/certificates/override-date";
import { parseCourseKey } from "../../domain/course-key";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { listDateOverrides } from "../../services/certificate-generation/certificate-date-override-listing";
import { CertificateDateOverrideService, type CertificateSummary } from "../../services/certificate-generation/certificate-date-override-service";
import { CertificateEventOutbox } from "../../services/event-bus/certificate-event-outbox";
import { CertificateSignals } from "../../services/certificates/certificate-signals";
import { askToConfirm, isConfirmed, redirectWithResult } from "../confirmation";
import type { ConsoleContext } from "../console-context";
import { field, optionalId, positiveId, queryString, type FieldErrors } from "../form-input";
import { page } from "../page";
import { paths } from "../paths";
import { day } from "../view-helpers";

/** The reason is a longtext upstream; a page of text is plenty. */
const MAX_REASON = 5_000;
const LIST_PAGE_SIZE = 50;

const DONE: Record<string, string> = {
  created: "Override set.",
  updated: "Override changed.",
  cleared: "Override cleared.",
  none: "There was no override to clear.",
};

interface SearchQuery {
  certificate_id?: string;
  user_id?: string;
  course_key?: string;
}

interface IdParams {
  id: string;
}

/**
 * CertificateDateOverride as upstream's admin offers it: the list of overrides (newest first, by learner and course
 * run), finding a certificate (by id, or by user id and course run), its override and the override's history, set
 * it (date and reason) or clear it, each confirmed first. `overridden_by` is always the signed-in user and has no
 * field; the change goes through the CLI's service, which writes the same simple-history rows ('+', '~', '-').
 */
export async function dateOverridesArea(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const service = new CertificateDateOverrideService(ctx.dataSource, CertificateSignals.fromConfig(new CertificateEventOutbox(ctx.config.eventBus), ctx.config));

  app.get(paths.dateOverrides.index, async (request, reply) => {
    const q = request.query;
    const errors: FieldErrors = {};
    const values = { user_id: field(q, "user_id"), course_key: field(q, "course_key") };
    const userId = optionalId(errors, "user_id", values.user_id, "a user id");
    const key = values.course_key ? parseCourseKey(values.course_key) : undefined;
    if (values.course_key && !key) errors.course_key = "Not a course run key: use course-v1:Org+Course+Run (or Org/Course/Run).";
    const pageNumber = Math.max(1, positiveId(field(q, "page")) ?? 1);
    const invalid = Object.keys(errors).length > 0;
    const { rows, total } = invalid
      ? { rows: [], total: 0 }
      : await listDateOverrides(ctx.dataSource, { userId, courseKey: key?.text }, { offset: (pageNumber - 1) * LIST_PAGE_SIZE, size: LIST_PAGE_SIZE });
    const pages = Math.max(1, Math.ceil(total / LIST_PAGE_SIZE));
    const href = (n: number) => paths.dateOverrides.index + queryString({ ...values, page: n > 1 ? n : undefined });
    return page(
      reply,
      "date-overrides/list.eta",
      {
        title: "Certificate date overrides",
        rows,
        total,
        values,
        errors,
        pageNumber,
        pages,
        pageSize: LIST_PAGE_SIZE,
        staffNames: await ctx.staff.staffUsernames(rows.map((r) => r.overriddenById)),
        newerHref: pageNumber > 1 ? href(pageNumber - 1) : undefined,
        olderHref: pageNumber < pages ? href(pageNumber + 1) : undefined,
      },
      invalid ? 400 : 200,
    );
  });

  const search = (reply: FastifyReply, query: SearchQuery, errors: FieldErrors = {}, status = 200) =>
    page(reply, "date-overrides/search.eta", { title: "Find a certificate", query, errors }, status);

  async function detail(reply: FastifyReply, certificate: CertificateSummary, extra: Record<string, unknown> = {}, status = 200): Promise<FastifyReply> {
    const { current, history } = await service.overrideAndHistory(certificate.id);
    const staffNames = await ctx.staff.staffUsernames([current?.overridden_by_id, ...history.flatMap((h) => [h.history_user_id, h.overridden_by_id])]);
    return page(
      reply,
      "date-overrides/detail.eta",
      { title: `Certificate ${certificate.id}: date override`, certificate, current, history, staffNames, form: { date: current ? day(current.date) : "", reason: current?.reason ?? "" }, errors: {}, ...extra },
      status,
    );
  }

  const unknownCertificate = (reply: FastifyReply, id: string) =>
    search(reply, { certificate_id: id }, { certificate_id: positiveId(id) ? `There is no certificate with id ${id}.` : "A certificate id is a positive whole number." }, 404);

  async function certificateOf(request: FastifyRequest<{ Params: IdParams }>): Promise<CertificateSummary | undefined> {
    const id = positiveId(request.params.id);
    return id ? service.certificate(id) : undefined;
  }

  app.get<{ Querystring: SearchQuery }>(paths.dateOverrides.find, async (request, reply) => {
    const query = { certificate_id: field(request.query, "certificate_id"), user_id: field(request.query, "user_id"), course_key: field(request.query, "course_key") };
    if (!query.certificate_id && !query.user_id && !query.course_key) return search(reply, query);
    const errors: FieldErrors = {};
    if (query.certificate_id) {
      const id = positiveId(query.certificate_id);
      if (!id) errors.certificate_id = "A certificate id is a positive whole number.";
      else {
        const found = await service.certificate(id);
        if (found) return reply.redirect(paths.dateOverrides.certificate(found.id));
        errors.certificate_id = `There is no certificate with id ${id}.`;
      }
      return search(reply, query, errors, id ? 404 : 400);
    }
    const userId = positiveId(query.user_id);
    const key = parseCourseKey(query.course_key);
    if (!userId) errors.user_id = query.user_id ? "A user id is a positive whole number." : "Give the learner's user id (or a certificate id).";
    if (!key) errors.course_key = query.course_key ? "Not a course run key: use course-v1:Org+Course+Run (or Org/Course/Run)." : "Give the course run key (or a certificate id).";
    if (userId && key) {
      const found = await service.certificateOf(userId, key.text);
      if (found) return reply.redirect(paths.dateOverrides.certificate(found.id));
      errors.user_id = `User ${userId} has no certificate in ${key.text}.`;
      return search(reply, query, errors, 404);
    }
    return search(reply, query, errors, 400);
  });

  app.get<{ Params: IdParams }>(paths.dateOverrides.certificate(":id"), async (request, reply) => {
    const certificate = await certificateOf(request);
    return certificate ? detail(reply, certificate) : unknownCertificate(reply, request.params.id);
  });

  app.post<{ Params: IdParams }>(paths.dateOverrides.certificate(":id"), async (request, reply) => {
    const certificate = await certificateOf(request);
    if (!certificate) return unknownCertificate(reply, request.params.id);
    // Only these two fields are read: overridden_by is the signed-in user whatever the form sends.
    const form = { date: field(request.body, "date"), reason: field(request.body, "reason") };
    const errors: FieldErrors = {};
    const date = parseOverrideDate(form.date);
    if (!date) errors.date = form.date ? `"${form.date}" is not a date in the form YYYY-MM-DD (for example 2025-06-30).` : "Give the date to show, as YYYY-MM-DD.";
    if (form.reason === "") errors.reason = "Give the reason for the override.";
    else if (form.reason.length > MAX_REASON) errors.reason = `The reason is longer than ${MAX_REASON} characters.`;
    if (!date || Object.keys(errors).length > 0) return detail(reply, certificate, { form, errors }, 400);
    if (!isConfirmed(request)) {
      const { current } = await service.overrideAndHistory(certificate.id);
      return askToConfirm(reply, {
        title: `Show ${day(date)} on certificate ${certificate.id}?`,
        consequences: [
          `Certificate ${certificate.id} (user ${certificate.user_id}, ${certificate.course_id}) shows ${day(date)} (at 00:00 UTC) instead of ${current ? `the override's ${day(current.date)}` : "its own date"}.`,
          `Reason: ${form.reason}`,
          `You are recorded as overridden_by and in the override's history ('${current ? "~" : "+"}'); a certificate-changed event is recorded for the event bus.`,
        ],
        action: paths.dateOverrides.certificate(certificate.id),
        fields: form,
        confirmLabel: current ? "Yes, change the override" : "Yes, set the override",
        cancelHref: paths.dateOverrides.certificate(certificate.id),
      });
    }
    return change(request, reply, certificate, () => service.set({ certificateId: certificate.id, date, reason: form.reason, actingUserId: request.staff!.id }), form);
  });

  app.post<{ Params: IdParams }>(paths.dateOverrides.clear(":id"), async (request, reply) => {
    const certificate = await certificateOf(request);
    if (!certificate) return unknownCertificate(reply, request.params.id);
    if (!isConfirmed(request)) {
      const { current } = await service.overrideAndHistory(certificate.id);
      if (!current) return detail(reply, certificate, { changeError: "There is no override to clear." }, 409);
      return askToConfirm(reply, {
        title: `Clear the date override of certificate ${certificate.id}?`,
        consequences: [
          `Certificate ${certificate.id} (user ${certificate.user_id}, ${certificate.course_id}) stops showing ${day(current.date)} and shows its own date again.`,
          "The override row is deleted; its history keeps a '-' row naming you, and a certificate-changed event is recorded for the event bus.",
        ],
        action: paths.dateOverrides.clear(certificate.id),
        confirmLabel: "Yes, clear the override",
        cancelHref: paths.dateOverrides.certificate(certificate.id),
        danger: true,
      });
    }
    return change(request, reply, certificate, () => service.clear({ certificateId: certificate.id, actingUserId: request.staff!.id }));
  });

  async function change(
    request: FastifyRequest,
    reply: FastifyReply,
    certificate: CertificateSummary,
    run: () => ReturnType<CertificateDateOverrideService["set"]>,
    form?: { date: string; reason: string },
  ): Promise<FastifyReply> {
    try {
      const result = await run();
      ctx.logger.info("console: certificate date override", { userId: request.staff!.id, certificateId: certificate.id, action: result.action });
      return redirectWithResult(request, reply, paths.dateOverrides.certificate(certificate.id), { level: result.action === "none" ? "warning" : "success", message: DONE[result.action] });
    } catch (err) {
      // The service's own refusals (the certificate deleted meanwhile, the acting account gone): shown, nothing written.
      if (!(err instanceof PermanentJobError)) throw err;
      return detail(reply, certificate, { changeError: err.message, ...(form ? { form } : {}) }, 409);
    }
  }
}
