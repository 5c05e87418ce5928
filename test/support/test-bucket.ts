import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { services, uniqueSuffix } from "./services";

export function testS3Client(overrides: { secretAccessKey?: string; endpoint?: string } = {}): S3Client {
  return new S3Client({
    endpoint: overrides.endpoint ?? services.s3Endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: services.s3AccessKey, secretAccessKey: overrides.secretAccessKey ?? services.s3SecretKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
  });
}

export interface TestBucket {
  name: string;
  s3: S3Client;
  put(keys: string[]): Promise<void>;
  keys(): Promise<string[]>;
  drop(): Promise<void>;
}

/** A bucket of its own for one test, emptied and removed afterwards. */
export async function createTestBucket(): Promise<TestBucket> {
  const s3 = testS3Client();
  const name = `owt-${uniqueSuffix()}`;
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  const keys = async (): Promise<string[]> => {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: name, ContinuationToken: token }));
      out.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return out.sort();
  };
  return {
    name,
    s3,
    keys,
    async put(list) {
      await Promise.all(list.map((Key) => s3.send(new PutObjectCommand({ Bucket: name, Key, Body: `object ${Key}` }))));
    },
    async drop() {
      const left = await keys();
      for (let i = 0; i < left.length; i += 1000) {
        await s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: left.slice(i, i + 1000).map((Key) => ({ Key })) } }));
      }
      await s3.send(new DeleteBucketCommand({ Bucket: name }));
      s3.destroy();
    },
  };
}
