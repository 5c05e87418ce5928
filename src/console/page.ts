import type { FastifyReply, FastifyRequest } from "fastify";
import type { ActionResult, ActionResults } from "./action-results";
import { csrfToken } from "./csrf-token";
import { NAVIGATION, currentSection } from "./paths";

declare module "fastify" {
  interface FastifyInstance {
    /** Where actions leave their result for the page they redirect to (server.ts decorates the root). */
    consoleResults: ActionResults;
  }
}

/**
 * What the shared layout needs, from the request alone: who is signed in and whether they are an admin (the one
 * "is admin" notion every template uses: `it.isAdmin`), the navigation with the current section, and a CSRF token
 * for the layout's sign-out form and the page's own forms. `it.paths` comes from the view engine's default context.
 */
function layoutData(request: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  const staff = request.staff;
  const isAdmin = staff?.role === "admin";
  return {
    staff,
    isAdmin,
    nav: staff ? NAVIGATION.filter((item) => isAdmin || !item.adminOnly) : [],
    section: currentSection(request.url),
    csrfToken: staff ? csrfToken(request, reply) : undefined,
  };
}

/** The result an action left for this page (`?result=<id>`), if it is the signed-in user's and still kept. */
async function resultFor(request: FastifyRequest): Promise<ActionResult | undefined> {
  const id = (request.query as Record<string, unknown> | undefined)?.result;
  if (typeof id !== "string" || !request.staff) return undefined;
  // A result that cannot be read (Redis away) is not worth failing the page for: the page shows the state anyway.
  return request.server.consoleResults.get(request.staff.id, id).catch(() => undefined);
}

/**
 * Renders a page of the console: the one way every page (areas, refusals, errors) is built. `data` is the
 * template's own; the layout's comes from the request; an action's result is shown above the page's content.
 */
export async function page(reply: FastifyReply, view: string, data: Record<string, unknown> = {}, status = 200): Promise<FastifyReply> {
  const request = reply.request;
  const result = status < 400 ? await resultFor(request) : undefined;
  return reply.code(status).type("text/html").render(view, { ...layoutData(request, reply), result, ...data });
}
