import type { AppContext } from "../../app/app-context";
import { credentialsRetryDelayMs } from "../../domain/certificates/course-credential";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { RetryLaterError } from "../../errors/retry-later-error";
import type { JobName } from "../../queues/registry";
import { CourseCredentialSender } from "../../services/credentials/course-credential-sender";
import { CredentialsNotSentError } from "../../services/credentials/credentials-errors";
import { HttpServiceCaller } from "../../services/http/http-caller";
import { OAuthTokenCache, restApiClientTokenUrl } from "../../services/http/oauth-token-cache";
import { SiteConfigurations } from "../../services/lms-config/site-configurations";
import type { JobDefinition } from "../job-handler";

/**
 * award_course_certificate for one (learner, course run) (CourseCredentialSender). Its retry behaviour is upstream's
 * as delayed jobs: a send that failed (issuance disabled in CredentialsApiConfig, the token endpoint or Credentials
 * refusing or not answering) comes back after 2 ** retries seconds (CREDENTIALS_RETRY_BASE_MS doubling), without
 * holding a worker slot meanwhile, up to CREDENTIALS_MAX_RETRIES retries; then the job fails for good with the
 * reason, and the change stays recorded (retry-failed, or the next change of the certificate, sends it).
 */
export function awardCourseCertificateJob(ctx: AppContext): JobDefinition<JobName.AwardCourseCertificate> {
  const config = ctx.config.credentials;
  const tokens = new OAuthTokenCache({ timeoutMs: config.requestTimeoutMs, renewMarginMs: config.tokenRenewMarginMs, tokenUrl: restApiClientTokenUrl, userAgent: "openedx-workers (credentials)" });
  const caller = new HttpServiceCaller(tokens, config.requestTimeoutMs, "openedx-workers (credentials)");
  const sender = new CourseCredentialSender(ctx.dataSource, config, ctx.waffle, new SiteConfigurations(ctx.dataSource, ctx.config.features.waffleCacheMs), caller, ctx.logger);
  return {
    async handle(job) {
      const { userId, courseKey } = job.data;
      const retries = job.data.retries ?? 0;
      let outcome;
      try {
        outcome = await sender.send(userId, courseKey);
      } catch (err) {
        if (!(err instanceof CredentialsNotSentError)) throw err;
        const log = { userId, courseKey, jobId: job.id, retries, reason: err.message };
        if (retries >= config.maxRetries) {
          ctx.logger.error("course certificate not sent to Credentials; giving up", log);
          throw new PermanentJobError(`Failed to award course certificate for user ${userId} for course ${courseKey}. Reason: ${err.message} (gave up after ${retries} retries)`);
        }
        const delayMs = credentialsRetryDelayMs(retries, config.retryBaseMs);
        ctx.logger.warn("course certificate not sent to Credentials; retrying as a delayed job", { ...log, delayMs });
        await job.log(`${err.message}; retry ${retries + 1} of ${config.maxRetries} in ${delayMs} ms`);
        throw new RetryLaterError(`${err.message}; retry ${retries + 1} of ${config.maxRetries}`, delayMs, { retries: retries + 1 });
      }
      if (outcome.kind === "still-changing") {
        throw new RetryLaterError("the certificate kept changing while it was sent; sending it again shortly", config.retryBaseMs, {});
      }
      if (outcome.kind === "sent") return { status: "done", userId, courseKey, credentialStatus: outcome.credentialStatus, httpStatus: outcome.httpStatus, retries };
      if (outcome.kind === "skipped") return { status: "skipped", userId, courseKey, reason: outcome.reason };
      return { status: "skipped", userId, courseKey, reason: "up-to-date" };
    },
    // A run that failed for good gives a later re-run (retry-failed) upstream's whole retry window again.
    async onFinalFailure(job) {
      if (job.data.retries !== undefined) await job.updateData({ userId: job.data.userId, courseKey: job.data.courseKey });
    },
  };
}
