import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * What a CSRF token is bound to (@fastify/csrf-protection's `userInfo`): the sign-in form (anonymous by nature), or
 * the signed-in session. A token is accepted only where it was made for.
 */
export function csrfBinding(request: FastifyRequest): string {
  if (request.routeOptions.url === "/login") return "sign-in";
  return request.session?.userId !== undefined ? `session:${request.session.sessionId}` : "anonymous";
}

/** A CSRF token for the form or page this request renders (its cookie is set on the reply when missing). */
export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: csrfBinding(request) });
}
