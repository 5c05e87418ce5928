import { DeleteObjectsCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { CoreConfig, ResilienceConfig } from "../config";
import { TransientJobError } from "../errors/transient-job-error";

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

/**
 * Deletes exactly these keys in one DeleteObjects round trip. S3 reports a missing key as deleted, which is what
 * an idempotent purge wants; per-key failures arrive with HTTP 200 in `Errors` and must not be mistaken for success.
 */
export async function deleteExactKeys(s3: S3Client, bucket: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  if (keys.length > 1000) throw new Error("DeleteObjects takes at most 1000 keys");
  let result;
  try {
    result = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: false } }),
    );
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : "";
    throw new TransientJobError(`S3 DeleteObjects on bucket ${bucket} failed: ${e.name}: ${e.message}${status}`, { cause: err });
  }
  const errors = (result.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
  if (errors.length > 0) {
    const detail = errors.map((e) => `${e.Key ?? "?"}: ${e.Code ?? "error"}`).join(", ");
    throw new TransientJobError(`S3 could not delete ${errors.length} of ${keys.length} objects in ${bucket}: ${detail}`);
  }
}
