import type { FakeHttpService } from "../support/fake-http-service";
import { RETIREMENT_ENV } from "./retirement-fixtures";

export const FULL_TRANSITIONS = [
  "PENDING -> LOCKING_ACCOUNT",
  "LOCKING_ACCOUNT -> LOCKING_COMPLETE",
  "LOCKING_COMPLETE -> RETIRING_FORUMS",
  "RETIRING_FORUMS -> FORUMS_COMPLETE",
  "FORUMS_COMPLETE -> RETIRING_EMAIL_LISTS",
  "RETIRING_EMAIL_LISTS -> EMAIL_LISTS_COMPLETE",
  "EMAIL_LISTS_COMPLETE -> RETIRING_ENROLLMENTS",
  "RETIRING_ENROLLMENTS -> ENROLLMENTS_COMPLETE",
  "ENROLLMENTS_COMPLETE -> RETIRING_NOTES",
  "RETIRING_NOTES -> NOTES_COMPLETE",
  "NOTES_COMPLETE -> RETIRING_LMS",
  "RETIRING_LMS -> LMS_COMPLETE",
  "LMS_COMPLETE -> COMPLETE",
];

/** The body upstream's requests sends for {"username": …}: Python's json.dumps separators. */
export const usernameBody = (username: string) => `{"username": "${username}"}`;

/** The environment of the default pipeline against a fake LMS, with short retry timings. */
export function lmsEnv(lms: FakeHttpService, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...RETIREMENT_ENV,
    RETIREMENT_PIPELINE: "", // unset: the default pipeline, with its HTTP steps
    RETIREMENT_LMS_BASE_URL: lms.url,
    RETIREMENT_CLIENT_ID: "retirement-client",
    RETIREMENT_CLIENT_SECRET: "s3cr3t",
    RETIREMENT_HTTP_TIMEOUT_MS: "2000",
    RETIREMENT_HTTP_RETRY_BASE_MS: "200",
    RETIREMENT_HTTP_504_RETRY_MS: "400",
    ...extra,
  };
}

