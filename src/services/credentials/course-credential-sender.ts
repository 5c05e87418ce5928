import type { DataSource } from "typeorm";
import type { CredentialsConfig } from "../../config";
import {
  CERTIFICATE_RELEVANT_MODES,
  INELIGIBLE_STATUSES,
  courseCredentialBody,
  credentialStatus,
  credentialsEndpoint,
  visibleDate,
  type CredentialStatus,
} from "../../domain/certificates/course-credential";
import { parseCourseKey } from "../../domain/course-key";
import { PermanentJobError } from "../../errors/permanent-job-error";
import type { Logger } from "../../logging/logger";
import type { HttpServiceCaller } from "../http/http-caller";
import { HttpCallFailure } from "../http/http-client";
import { TokenRequestFailure } from "../http/oauth-token-cache";
import { isLearnerIssuanceEnabled } from "../lms-config/credentials-api-config";
import type { SiteConfigurations } from "../lms-config/site-configurations";
import type { WaffleSwitchReader } from "../../app/app-context";
import { CredentialsIssuanceDisabledError, CredentialsRequestError } from "./credentials-errors";
import { CredentialsOutbox } from "./credentials-outbox";

/** Why a certificate was not sent, each one of award_course_certificate's early returns (or the signal handler's). */
type SkipReason = "learner-records-disabled" | "unknown-user" | "no-eligible-certificate" | "mode-not-relevant" | "no-course-overview";

export type SendOutcome =
  | { kind: "sent"; credentialStatus: CredentialStatus; httpStatus: number }
  | { kind: "skipped"; reason: SkipReason }
  /** No change is waiting for this (learner, course run): another job sent it already. */
  | { kind: "up-to-date" }
  /** The certificate kept changing while it was being sent: the job should come back shortly. */
  | { kind: "still-changing" };

interface CertificateFacts {
  username: string;
  status: string | null;
  mode: string | null;
  modified_date: Date | null;
  overview_id: string | null;
  self_paced: number | null;
  certificate_available_date: Date | null;
  certificates_display_behavior: string | null;
  date_override: Date | null;
}

/** A send whose certificate changed meanwhile is repeated, this many times in one run of the job. */
const MAX_ROUNDS = 3;

/**
 * openedx/core/djangoapps/programs/tasks.py `award_course_certificate(username, course_run_key)` for one (learner,
 * course run), run when the Credentials outbox has changes for it: with learner issuance enabled
 * (CredentialsApiConfig) and learner records on for the course's org (handle_course_cert_changed), the learner's
 * eligible certificate in a certificate-relevant mode, with a course overview, is POSTed to Credentials
 * (`post_course_certificate`): awarded or revoked, its date override, its visible date. The username is read from
 * the database here and goes into the request body only. The outbox row is then removed if no change came
 * meanwhile; otherwise the certificate is read and sent again.
 */
export class CourseCredentialSender {
  private readonly outbox: CredentialsOutbox;

  constructor(
    private readonly ds: DataSource,
    private readonly config: CredentialsConfig,
    private readonly switches: WaffleSwitchReader,
    private readonly sites: SiteConfigurations,
    private readonly caller: HttpServiceCaller,
    private readonly logger: Logger,
  ) {
    this.outbox = new CredentialsOutbox(ds);
  }

  async send(userId: number, courseKey: string): Promise<SendOutcome> {
    if (!this.config.internalServiceUrl || !this.config.oauth) throw new PermanentJobError("Credentials is not configured here (CREDENTIALS_INTERNAL_SERVICE_URL is unset)");
    const key = parseCourseKey(courseKey);
    if (!key) throw new PermanentJobError(`invalid course key ${JSON.stringify(courseKey)}`);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const changes = await this.outbox.pending(userId, courseKey);
      if (changes === undefined) return { kind: "up-to-date" };
      if (!(await isLearnerIssuanceEnabled(this.ds))) throw new CredentialsIssuanceDisabledError();
      const outcome = await this.sendCurrent(userId, courseKey, key.org);
      if (await this.outbox.finish(userId, courseKey, changes)) return outcome;
      this.logger.debug("certificate changed while it was sent to Credentials; sending it again", { userId, courseKey, round });
    }
    return { kind: "still-changing" };
  }

  private async sendCurrent(userId: number, courseKey: string, org: string): Promise<Exclude<SendOutcome, { kind: "up-to-date" | "still-changing" }>> {
    const learnerRecords = await this.sites.valueForOrg(org, "ENABLE_LEARNER_RECORDS");
    if (!(learnerRecords === undefined ? this.config.learnerRecordsEnabled : pythonTruthy(learnerRecords))) {
      this.logger.warn(`Skipping send cert: the Learner Record feature is disabled for org [${org}]`, { userId, courseKey });
      return { kind: "skipped", reason: "learner-records-disabled" };
    }
    const f = await this.facts(userId, courseKey);
    const skip = (reason: SkipReason, message: string) => {
      this.logger.info(message, { userId, courseKey });
      return { kind: "skipped" as const, reason };
    };
    if (!f) return skip("unknown-user", "award_course_certificate: no such user; nothing sent");
    if (f.status === null) return skip("no-eligible-certificate", "award_course_certificate: no eligible certificate; nothing sent");
    if (!CERTIFICATE_RELEVANT_MODES.includes(f.mode!)) return skip("mode-not-relevant", `award_course_certificate: mode ${f.mode} is not certificate-relevant; nothing sent`);
    if (f.overview_id === null) return skip("no-course-overview", "award_course_certificate: no course overview; nothing sent");

    const body = courseCredentialBody({
      username: f.username,
      courseRunKey: courseKey,
      certificateStatus: f.status,
      mode: f.mode!,
      dateOverride: f.date_override,
      visibleDate: visibleDate({
        autoGenerationEnabled: await this.switches.autoCertificateGeneration(),
        selfPaced: Number(f.self_paced) === 1,
        certificateAvailableDate: f.certificate_available_date,
        certificatesDisplayBehavior: f.certificates_display_behavior,
        certificateModifiedDate: f.modified_date!,
      }),
    });
    const url = credentialsEndpoint(await this.internalServiceUrl(org));
    try {
      const res = await this.caller.call({
        method: "POST", url, displayUrl: url, json: body, jsonContentType: true,
        auth: { kind: "jwt", lmsBaseUrl: this.config.oauth!.providerUrl, client: this.config.oauth!.client },
        accept: (s) => s >= 200 && s < 300,
      });
      const status = credentialStatus(f.status);
      this.logger.info(`${status === "awarded" ? "Awarded" : "Revoked"} certificate for course ${courseKey} to user ${userId}`, { userId, courseKey, httpStatus: res.status });
      return { kind: "sent", credentialStatus: status, httpStatus: res.status };
    } catch (err) {
      if (!(err instanceof HttpCallFailure)) throw err;
      // The body of a refusal is never logged nor kept: it may echo the username.
      throw new CredentialsRequestError(err instanceof TokenRequestFailure ? "token endpoint" : "Credentials", err.failure.kind === "status" ? err.failure.status : "no response");
    }
  }

  /** The user and their eligible certificate with its overview and date override, or undefined without the user. */
  private async facts(userId: number, courseKey: string): Promise<CertificateFacts | undefined> {
    const rows: CertificateFacts[] = await this.ds.query(
      `SELECT u.username, c.status, c.mode, c.modified_date, o.id AS overview_id, o.self_paced, o.certificate_available_date,
              o.certificates_display_behavior, d.date AS date_override
         FROM auth_user u
         LEFT JOIN certificates_generatedcertificate c ON c.user_id = u.id AND c.course_id = ? AND c.status NOT IN (?)
         LEFT JOIN course_overviews_courseoverview o ON o.id = c.course_id
         LEFT JOIN certificates_certificatedateoverride d ON d.generated_certificate_id = c.id
        WHERE u.id = ?`,
      [courseKey, INELIGIBLE_STATUSES, userId],
    );
    return rows[0];
  }

  /** CredentialsApiConfig.get_internal_api_url_for_org: the org's site configuration, else the setting. */
  private async internalServiceUrl(org: string): Promise<string> {
    const fromSite = await this.sites.valueForOrg(org, "CREDENTIALS_INTERNAL_SERVICE_URL");
    return typeof fromSite === "string" && URL.canParse(fromSite) ? fromSite : this.config.internalServiceUrl!;
  }
}

/** Python's truth value of a JSON value from site_values (None, False, 0, "", [] and {} are false). */
function pythonTruthy(v: unknown): boolean {
  if (v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}
