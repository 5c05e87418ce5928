import { CreateBucketCommand, HeadBucketCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { loadConfig } from "../../src/config";
import { createS3Client } from "../../src/storage/s3";
import { describeS3Error, s3ErrorCode } from "../../src/storage/s3-error";
import { freePort } from "../support/own-redis";
import { services, uniqueSuffix } from "../support/services";

/** S3's answers from the real RGW, as the SDK hands them over, and the codes the CLI then names. */
describe("S3 error codes (never the SDK's UnknownError)", () => {
  const clients: S3Client[] = [];
  after(() => clients.forEach((c) => c.destroy()));
  function client(env: Record<string, string> = {}): S3Client {
    const config = loadConfig({
      S3_ENDPOINT: services.s3Endpoint, S3_FORCE_PATH_STYLE: "true",
      AWS_ACCESS_KEY_ID: services.s3AccessKey, AWS_SECRET_ACCESS_KEY: services.s3SecretKey, ...env,
    });
    const c = createS3Client(config, { maxAttempts: 1 });
    clients.push(c);
    return c;
  }
  async function failure(p: Promise<unknown>): Promise<unknown> {
    try {
      await p;
    } catch (err) {
      return err;
    }
    throw new Error("the request succeeded");
  }
  const missing = `no-such-bucket-${uniqueSuffix()}`;

  it("names the code S3 put in the body: InvalidAccessKeyId, SignatureDoesNotMatch, NoSuchBucket", async () => {
    const unknownKey = await failure(client({ AWS_ACCESS_KEY_ID: "no-such-access-key" }).send(new ListObjectsV2Command({ Bucket: missing })));
    expect([s3ErrorCode(unknownKey), describeS3Error(unknownKey)]).to.deep.equal(["InvalidAccessKeyId", "InvalidAccessKeyId (HTTP 403)"]);
    const wrongSecret = await failure(client({ AWS_SECRET_ACCESS_KEY: "not-the-secret" }).send(new CreateBucketCommand({ Bucket: missing })));
    expect(s3ErrorCode(wrongSecret)).to.equal("SignatureDoesNotMatch");
    const noBucket = await failure(client().send(new ListObjectsV2Command({ Bucket: missing })));
    expect(describeS3Error(noBucket)).to.match(/^NoSuchBucket \(HTTP 404\)/);
  });

  it("derives the code from the HTTP status where the answer has no body (HEAD)", async () => {
    const refused = await failure(client({ AWS_ACCESS_KEY_ID: "no-such-access-key" }).send(new HeadBucketCommand({ Bucket: missing })));
    expect(describeS3Error(refused)).to.match(/^Forbidden \(HTTP 403\)/).and.not.to.contain("UnknownError");
    const notFound = await failure(client().send(new HeadBucketCommand({ Bucket: missing })));
    expect(s3ErrorCode(notFound)).to.equal("NotFound");
    // The SDK's own placeholder, as it makes it for a body it cannot read: the status decides.
    const unknown = Object.assign(new Error("UnknownError"), { name: "UnknownError", $metadata: { httpStatusCode: 403 } });
    expect(describeS3Error(unknown)).to.equal("Forbidden (HTTP 403)");
  });

  it("says what failed when S3 did not answer at all", async () => {
    const down = await failure(client({ S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` }).send(new ListObjectsV2Command({ Bucket: missing })));
    expect(describeS3Error(down)).to.contain("ECONNREFUSED");
  });
});
