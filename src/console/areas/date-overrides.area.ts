import type { FastifyInstance, FastifyReply } from "fastify";
import { parseOverrideDate } from "../../domain/certificates/override-date";
import { parseCourseKey } from "../../domain/course-key";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { CertificateDateOverrideService, type CertificateSummary } from "../../services/certificate-generation/certificate-date-override-service";
import { CertificateEventOutbox } from "../../services/event-bus/certificate-event-outbox";
import type { ConsoleContext } from "../console-context";
import { field, positiveId, type FieldErrors } from "../form-input";
import { page } from "./area-support";

export const DATE_OVERRIDES_PATH = "/certificates/date-override";
/** The reason is a longtext upstream; a page of text is plenty. */
const MAX_REASON = 5_000;

const NOTICES: Record<string, string> = {
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

const detailPath = (id: number) => `/certificates/${id}/date-override`;

/**
 * CertificateDateOverride as upstream's admin offers it: find the certificate (by id, or by user id and course run),
 * see its override and the override's history, set it (date and reason) or clear it. `overridden_by` is always the
 * signed-in user and has no field; the change goes through the CLI's service, which writes the same
 * simple-history rows ('+', '~', '-').
 */
export async function dateOverridesArea(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const service = new CertificateDateOverrideService(ctx.dataSource, new CertificateEventOutbox(ctx.config.eventBus));

  const search = (reply: FastifyReply, query: SearchQuery, errors: FieldErrors = {}, status = 200) =>
    page(reply, "date-overrides/search.eta", { title: "Certificate date overrides", query, errors }, status);

  async function detail(reply: FastifyReply, certificate: CertificateSummary, extra: Record<string, unknown> = {}, status = 200): Promise<FastifyReply> {
    const { current, history } = await service.overrideAndHistory(certificate.id);
    return page(
      reply,
      "date-overrides/detail.eta",
      { title: `Certificate ${certificate.id}: date override`, certificate, current, history, form: { date: current ? current.date.toISOString().slice(0, 10) : "", reason: current?.reason ?? "" }, errors: {}, ...extra },
      status,
    );
  }

  const unknownCertificate = (reply: FastifyReply, id: string) =>
    search(reply, { certificate_id: id }, { certificate_id: positiveId(id) ? `There is no certificate with id ${id}.` : "A certificate id is a positive whole number." }, 404);

  app.get<{ Querystring: SearchQuery }>(DATE_OVERRIDES_PATH, async (request, reply) => {
    const query = { certificate_id: field(request.query, "certificate_id"), user_id: field(request.query, "user_id"), course_key: field(request.query, "course_key") };
    if (!query.certificate_id && !query.user_id && !query.course_key) return search(reply, query);
    const errors: FieldErrors = {};
    if (query.certificate_id) {
      const id = positiveId(query.certificate_id);
      if (!id) errors.certificate_id = "A certificate id is a positive whole number.";
      else {
        const found = await service.certificate(id);
        if (found) return reply.redirect(detailPath(found.id));
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
      if (found) return reply.redirect(detailPath(found.id));
      errors.user_id = `User ${userId} has no certificate in ${key.text}.`;
      return search(reply, query, errors, 404);
    }
    return search(reply, query, errors, 400);
  });

  app.get<{ Params: IdParams; Querystring: { done?: string } }>("/certificates/:id/date-override", async (request, reply) => {
    const id = positiveId(request.params.id);
    const certificate = id ? await service.certificate(id) : undefined;
    if (!certificate) return unknownCertificate(reply, request.params.id);
    const notice = NOTICES[request.query.done ?? ""];
    return detail(reply, certificate, notice ? { notice } : {});
  });

  app.post<{ Params: IdParams }>("/certificates/:id/date-override", async (request, reply) => {
    const id = positiveId(request.params.id);
    const certificate = id ? await service.certificate(id) : undefined;
    if (!certificate) return unknownCertificate(reply, request.params.id);
    // Only these two fields are read: overridden_by is the signed-in user whatever the form sends.
    const form = { date: field(request.body, "date"), reason: field(request.body, "reason") };
    const errors: FieldErrors = {};
    const date = parseOverrideDate(form.date);
    if (!date) errors.date = form.date ? `"${form.date}" is not a date in the form YYYY-MM-DD (for example 2025-06-30).` : "Give the date to show, as YYYY-MM-DD.";
    if (form.reason === "") errors.reason = "Give the reason for the override.";
    else if (form.reason.length > MAX_REASON) errors.reason = `The reason is longer than ${MAX_REASON} characters.`;
    if (!date || Object.keys(errors).length > 0) return detail(reply, certificate, { form, errors }, 400);
    return change(reply, certificate, () => service.set({ certificateId: certificate.id, date, reason: form.reason, actingUserId: request.staff!.id }), request.staff!.id, form);
  });

  app.post<{ Params: IdParams }>("/certificates/:id/date-override/clear", async (request, reply) => {
    const id = positiveId(request.params.id);
    const certificate = id ? await service.certificate(id) : undefined;
    if (!certificate) return unknownCertificate(reply, request.params.id);
    return change(reply, certificate, () => service.clear({ certificateId: certificate.id, actingUserId: request.staff!.id }), request.staff!.id);
  });

  async function change(
    reply: FastifyReply,
    certificate: CertificateSummary,
    run: () => ReturnType<CertificateDateOverrideService["set"]>,
    userId: number,
    form?: { date: string; reason: string },
  ): Promise<FastifyReply> {
    try {
      const result = await run();
      ctx.logger.info("console: certificate date override", { userId, certificateId: certificate.id, action: result.action });
      return reply.redirect(`${detailPath(certificate.id)}?done=${result.action}`, 303);
    } catch (err) {
      // The service's own refusals (the certificate deleted meanwhile, the acting account gone): shown, nothing written.
      if (!(err instanceof PermanentJobError)) throw err;
      return detail(reply, certificate, { changeError: err.message, ...(form ? { form } : {}) }, 409);
    }
  }
}
