import type { FastifyReply, FastifyRequest } from "fastify";
import type { ActionResult } from "./action-results";
import { field } from "./form-input";
import { page } from "./page";

/** The hidden field a confirmation page adds, as Django admin's delete confirmation posts `post=yes`. */
const CONFIRM_FIELD = "post";

/**
 * A confirmation page, asked before an action changes anything: what will happen, in the operator's terms (which
 * learner moves from which state to which, which jobs are enqueued), warnings for what is hard to undo, the form
 * that does it (the same POST again, its fields carried as hidden inputs, plus `post=yes`), and a way back that
 * changes nothing.
 */
export interface Confirmation {
  /** The page title and heading: a question, e.g. "Move user 42 to LMS_COMPLETE?". */
  title: string;
  /** What confirming does, one sentence each. */
  consequences: string[];
  /** What deserves a second look (a forced move, leaving COMPLETE, a run that enqueues thousands of jobs). */
  warnings?: string[];
  /** The POST to repeat when confirmed (usually the request's own URL). */
  action: string;
  /** The validated form values, posted again unchanged; `true` becomes "1", false/undefined are left out. */
  fields?: Record<string, string | number | boolean | undefined>;
  /** The confirm button's words, e.g. "Yes, move the learner". */
  confirmLabel: string;
  /** Where "No, take me back" leads (a GET: nothing changes). */
  cancelHref: string;
  /** A destructive action: the button is red. */
  danger?: boolean;
}

/** Whether this POST comes from a confirmation page (otherwise the action shows one and does nothing yet). */
export function isConfirmed(request: FastifyRequest): boolean {
  return field(request.body, CONFIRM_FIELD) === "yes";
}

/** Shows the confirmation page (200). Nothing has been written when this is answered. */
export function askToConfirm(reply: FastifyReply, confirmation: Confirmation): Promise<FastifyReply> {
  const fields = Object.entries(confirmation.fields ?? {}).flatMap(([name, value]) =>
    value === undefined || value === false ? [] : [[name, value === true ? "1" : String(value)] as const],
  );
  return page(reply, "confirm.eta", { title: confirmation.title, confirmation: { ...confirmation, fields, confirmField: CONFIRM_FIELD } });
}

/**
 * The end of a confirmed action: its result is kept for the page `to`, and the browser is sent there with a 303,
 * so a reload shows the result again and repeats nothing (POST → 303 → GET).
 */
export async function redirectWithResult(request: FastifyRequest, reply: FastifyReply, to: string, result: ActionResult): Promise<FastifyReply> {
  const id = await request.server.consoleResults.put(request.staff!.id, result).catch(() => undefined);
  const target = id ? `${to}${to.includes("?") ? "&" : "?"}result=${id}` : to;
  return reply.redirect(target, 303);
}
