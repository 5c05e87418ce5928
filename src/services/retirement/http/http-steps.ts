import type { AppContext } from "../../../app/app-context";
import { PermanentJobError } from "../../../errors/permanent-job-error";
import { RetryLaterError } from "../../../errors/retry-later-error";
import { decideRetry } from "../../../domain/retirement/http-retry-policy";
import { isHttpStep } from "../../../domain/retirement/retirement-pipeline";
import type { RetirementStep } from "../retirement-steps";
import type { RetirementStatusStore } from "../retirement-status-store";
import { HttpCallFailure } from "../../http/http-client";
import { HttpServiceCaller } from "../../http/http-caller";
import { httpRetirementMethod, type HttpRetirementMethod } from "./http-retirement-methods";
import { OAuthTokenCache, retirementTokenUrl } from "../../http/oauth-token-cache";

/**
 * An HTTP step failed for good: a status that is not retried, or retries exhausted. The learner goes to ERRORED with
 * `record` (status, URL and the response body, as upstream records it) in `responses`; the message, which reaches
 * logs and Redis, holds no response body (a service may echo the learner's identity in it).
 */
export class HttpStepError extends PermanentJobError {
  constructor(
    message: string,
    readonly record: string,
  ) {
    super(message);
    this.name = "HttpStepError";
  }
}

function summary(name: string, err: HttpCallFailure): string {
  return `${name}: ${err.failure.kind === "status" ? `status ${err.failure.status}` : "no response"}`;
}

/**
 * Wraps an HTTP method as a pipeline step. The requests run in `prepare`, with no DB lock held; their response text
 * is recorded when the learner moves to END. A retryable failure is noted in `responses` and becomes a delayed
 * retry of the job (RetryLaterError), so waiting holds no worker slot; the job carries the retry bookkeeping.
 */
function httpStep(ctx: AppContext, store: RetirementStatusStore, caller: HttpServiceCaller, name: string, method: HttpRetirementMethod): RetirementStep {
  const timings = ctx.config.retirement.services.retry;
  return {
    async prepare(learner, jobId, run) {
      if (!run) throw new Error(`internal: ${name} needs its step context`);
      const startedAt = Date.now();
      const identity = {
        userId: learner.userId,
        originalUsername: learner.originalUsername,
        originalEmail: learner.originalEmail,
        retiredUsername: learner.retiredUsername,
      };
      try {
        return await method.run(caller.call, identity);
      } catch (err) {
        if (!(err instanceof HttpCallFailure)) throw err;
        const state = run.state.stateName;
        const decision = decideRetry(method.rule, timings, run.retry, state, err.failure, startedAt, Date.now());
        const log = { userId: learner.userId, jobId, state, method: name, status: err.failure.kind === "status" ? err.failure.status : "no response" };
        if (!decision.retry) {
          ctx.logger.warn("retirement HTTP step failed", { ...log, reason: decision.reason });
          const record = decision.reason === "not retryable" ? err.description : `${err.description}\n(${decision.reason})`;
          throw new HttpStepError(`${summary(name, err)} (${decision.reason})`, record);
        }
        const seconds = Math.round(decision.delayMs / 100) / 10;
        ctx.logger.warn("retirement HTTP step failed; retrying as a delayed job", { ...log, failures: decision.next.failures, delayMs: decision.delayMs });
        await store.appendResponse(learner.userId, run.state, `\n${err.description}\nTry ${decision.next.failures} of ${state} failed; retrying in ${seconds} s\n`);
        throw new RetryLaterError(`${summary(name, err)}; try ${decision.next.failures}`, decision.delayMs, { retry: decision.next });
      }
    },
    describe: (prepared) => String(prepared),
  };
}

/** The pipeline's HTTP steps by "SERVICE.method", sharing one token cache per process. */
export function httpSteps(ctx: AppContext, store: RetirementStatusStore): Map<string, RetirementStep> {
  const services = ctx.config.retirement.services;
  // As upstream's driver identifies itself to the token endpoint (edx_api.py get_access_token).
  const tokens = new OAuthTokenCache({ timeoutMs: services.timeoutMs, renewMarginMs: services.tokenRenewMarginMs, tokenUrl: retirementTokenUrl, userAgent: "scripts.user_retirement" });
  const caller = new HttpServiceCaller(tokens, services.timeoutMs, "openedx-workers (learner retirement)");
  const steps = new Map<string, RetirementStep>();
  for (const step of ctx.config.retirement.pipeline.filter(isHttpStep)) {
    const name = `${step.service}.${step.method}`;
    const method = httpRetirementMethod(step, services);
    if (method) steps.set(name, httpStep(ctx, store, caller, name, method));
  }
  return steps;
}
