/**
 * S3 error codes for messages. The SDK names an error after the code in the response body (InvalidAccessKeyId,
 * NoSuchBucket, SignatureDoesNotMatch…); an answer without a body (any HEAD request) or one it cannot parse becomes
 * `UnknownError` or `Unknown` (or a bare `Forbidden`/`NotFound`), which hides e.g. a 403 InvalidAccessKeyId. The code is then
 * derived from the HTTP status. No SDK import here: the CLI's error printer uses this without loading the SDK.
 */

interface S3ErrorShape {
  name?: string;
  message?: string;
  Code?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Codes that say nothing about the cause: the SDK's placeholders. */
const PLACEHOLDERS = new Set(["UnknownError", "Unknown", "Error", "S3ServiceException", ""]);

/** What an HTTP status means where S3 sent no code (S3's own names for these statuses). */
const STATUS_CODES: Record<number, string> = {
  301: "PermanentRedirect",
  307: "TemporaryRedirect",
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  411: "MissingContentLength",
  412: "PreconditionFailed",
  416: "InvalidRange",
  500: "InternalError",
  501: "NotImplemented",
  503: "ServiceUnavailable",
};

/** Whether this is an error of an S3 call that S3 answered (the SDK's service exceptions carry `$metadata`). */
export function isS3ServiceError(err: unknown): boolean {
  return typeof err === "object" && err !== null && typeof (err as S3ErrorShape).$metadata === "object";
}

/** The HTTP status S3 answered with, if it answered. */
export function s3HttpStatus(err: unknown): number | undefined {
  return (err as S3ErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** S3's code for a failed call: the body's, else one derived from the HTTP status; never `UnknownError`. */
export function s3ErrorCode(err: unknown): string {
  const e = (err ?? {}) as S3ErrorShape;
  for (const candidate of [e.Code, e.name, e.code]) {
    if (typeof candidate === "string" && !PLACEHOLDERS.has(candidate)) return candidate;
  }
  const status = s3HttpStatus(err);
  if (status === undefined) return "NoResponse";
  return STATUS_CODES[status] ?? `HTTP${status}`;
}

/**
 * One line for a failed S3 call: "InvalidAccessKeyId (HTTP 403): <S3's message>" when S3 answered, else the network
 * failure, "TimeoutError: …" or "Error: connect ECONNREFUSED … (ECONNREFUSED)".
 */
export function describeS3Error(err: unknown): string {
  if (!isS3ServiceError(err)) {
    const e = (err ?? {}) as S3ErrorShape;
    const message = (e.message ?? String(err)).split("\n")[0];
    return `${e.name ?? "Error"}: ${message}${e.code && !message.includes(e.code) ? ` (${e.code})` : ""}`;
  }
  const code = s3ErrorCode(err);
  const status = s3HttpStatus(err);
  const message = ((err as S3ErrorShape | undefined)?.message ?? "").split("\n")[0].trim();
  const said = message && message !== code && !PLACEHOLDERS.has(message) ? `: ${message}` : "";
  return `${code}${status ? ` (HTTP ${status})` : ""}${said}`;
}
