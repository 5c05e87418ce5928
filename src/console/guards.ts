import type {} from "@fastify/view";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { StaffUser } from "../services/auth/staff-directory";
import { page } from "./page";

declare module "fastify" {
  interface FastifyReply {
    /** @fastify/view registered under `render` (bull-board owns `view` in its scope). */
    render: FastifyReply["view"];
  }
  interface FastifyContextConfig {
    /** A POST that reads only (a look-up posted to keep its value out of URLs): read-only staff may send it. */
    readsOnly?: boolean;
  }
  interface FastifyRequest {
    /** The signed-in staff user, set by `authenticate` in the signed-in area. */
    staff?: StaffUser;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isSafeMethod(request: FastifyRequest): boolean {
  return SAFE_METHODS.has(request.method);
}

/** API calls (bull-board's XHRs, anything not asking for HTML) get 401/403 JSON; pages get a redirect or an HTML message. */
export function wantsJson(request: FastifyRequest): boolean {
  return request.url.includes("/api/") || !String(request.headers.accept ?? "").includes("text/html");
}

export { safeNext } from "./safe-redirect";

export async function refuse(request: FastifyRequest, reply: FastifyReply, status: 401 | 403, message: string): Promise<FastifyReply> {
  if (status === 401 && !wantsJson(request) && isSafeMethod(request)) {
    return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
  }
  if (wantsJson(request)) return reply.code(status).send({ error: message });
  return page(reply, "error.eta", { title: status === 401 ? "Sign-in required" : "Not allowed", message }, status);
}

/** preHandler: only admins pass. Every changing route of the signed-in area already has it (see `signedInArea`). */
export async function requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
  if (request.staff?.role !== "admin") return refuse(request, reply, 403, "Your account is read-only: only console admins may change things.");
}

export { csrfBinding, csrfToken } from "./csrf-token";

/**
 * preHandler: a valid CSRF token, from the form field `_csrf` or the `X-XSRF-TOKEN` / `X-CSRF-Token` header
 * (bull-board's UI echoes the XSRF-TOKEN cookie there).
 */
export function requireCsrf(app: FastifyInstance) {
  return function csrf(request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    app.csrfProtection.call(app, request, reply, done);
  };
}

