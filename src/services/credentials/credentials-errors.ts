/**
 * A send to Credentials that may succeed later: award_course_certificate retries both (MaxRetriesExceededError after
 * MAX_RETRIES). Messages hold statuses and ids only: a response body may echo the learner's username.
 */
export class CredentialsNotSentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialsNotSentError";
  }
}

/** CredentialsApiConfig.current().is_learner_issuance_enabled is false (upstream's wording). */
export class CredentialsIssuanceDisabledError extends CredentialsNotSentError {
  constructor() {
    super("Task award_course_certificate cannot be executed when credentials issuance is disabled in API config");
    this.name = "CredentialsIssuanceDisabledError";
  }
}

/** The token endpoint or Credentials did not accept the request (a status), or did not answer (no response). */
export class CredentialsRequestError extends CredentialsNotSentError {
  constructor(
    readonly target: "token endpoint" | "Credentials",
    readonly status: number | "no response",
  ) {
    super(status === "no response" ? `${target} did not answer` : `${target} answered ${status}`);
    this.name = "CredentialsRequestError";
  }
}
