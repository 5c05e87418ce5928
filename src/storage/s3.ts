import { DeleteObjectsCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { CoreConfig, ResilienceConfig } from "../config";
import { TransientJobError } from "../errors/transient-job-error";
import { describeS3Error } from "./s3-error";

/** Used when a caller has no resilience config (scripts, tests): the same bounds as the defaults. */
const DEFAULT_TIMEOUTS = { connectTimeoutMs: 5000, requestTimeoutMs: 30000 };

export function createS3Client(config: Pick<CoreConfig, "s3"> & { resilience?: Pick<ResilienceConfig, "s3"> }, overrides: Partial<S3ClientConfig> = {}): S3Client {
  const timeouts = config.resilience?.s3 ?? DEFAULT_TIMEOUTS;
  return new S3Client({
    region: config.s3.region,
    endpoint: config.s3.endpoint,
    forcePathStyle: config.s3.forcePathStyle,
    credentials: config.s3.credentials,
    // The SDK's default (aws-chunked bodies with trailing CRC32) is rejected by Ceph RGW and older MinIO.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 3,
    // Without these a hung endpoint (connection accepted, never answered) holds a job and its worker slot forever
    // while BullMQ keeps renewing its lock. A timeout is a TransientJobError below: the job backs off and retries.
    requestHandler: { connectionTimeout: timeouts.connectTimeoutMs, requestTimeout: timeouts.requestTimeoutMs, throwOnRequestTimeout: true },
    ...overrides,
  });
}

/** DeleteObjects' own limit of keys per request. */
const MAX_KEYS_PER_DELETE = 1000;

/**
 * Deletes exactly these keys in one DeleteObjects round trip and returns the keys S3 could not delete, with their
 * error code. S3 reports a missing key as deleted, which is what an idempotent purge wants; per-key failures arrive
 * with HTTP 200 in `Errors` and must not be mistaken for success. A failure of the whole request throws
 * TransientJobError: then nothing is known to be deleted.
 */
export async function deleteKeys(s3: S3Client, bucket: string, keys: string[]): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  if (keys.length === 0) return failed;
  if (keys.length > MAX_KEYS_PER_DELETE) throw new Error(`DeleteObjects takes at most ${MAX_KEYS_PER_DELETE} keys`);
  let result;
  try {
    // Quiet: S3 answers with the failures only, so the response stays small for 1,000 keys.
    result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
  } catch (err) {
    throw new TransientJobError(`S3 DeleteObjects on bucket ${bucket} failed: ${describeS3Error(err)}`, { cause: err });
  }
  for (const e of result.Errors ?? []) {
    if (e.Code !== "NoSuchKey") failed.set(e.Key ?? "?", e.Code ?? "error");
  }
  return failed;
}

/** deleteKeys for callers that want all or nothing: any key S3 could not delete is a retryable failure. */
export async function deleteExactKeys(s3: S3Client, bucket: string, keys: string[]): Promise<void> {
  const failed = await deleteKeys(s3, bucket, keys);
  if (failed.size > 0) {
    const detail = [...failed].map(([key, code]) => `${key}: ${code}`).join(", ");
    throw new TransientJobError(`S3 could not delete ${failed.size} of ${keys.length} objects in ${bucket}: ${detail}`);
  }
}
