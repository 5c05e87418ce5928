/**
 * Seeds (and reports on) the demo dataset for `npm run demo`: a few learners with legacy PDF certificates whose
 * 4 files sit in the bucket, one web certificate, one certificate with a hostile link, and neighbour objects
 * that must survive. Usage: tsx scripts/demo-data.ts seed|report  (config from the usual environment variables)
 */
import "../src/cli/quiet-warnings";
import { CreateBucketCommand, DeleteObjectsCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { loadConfig } from "../src/config";
import { openDataSource } from "../src/db/data-source";
import { AuthUser, GeneratedCertificate } from "../src/entities/lms";
import { createS3Client } from "../src/storage/s3";
import { describeS3Error, isS3ServiceError } from "../src/storage/s3-error";

const hex = () => randomBytes(16).toString("hex");

async function main(mode: string): Promise<void> {
  const config = loadConfig(process.env, { require: ["CERTIFICATES_BUCKET"] });
  const bucket = config.certificates.bucket!;
  const base = config.certificates.downloadUrlBases[0];
  const ds = await openDataSource({ databaseUrl: config.databaseUrl });
  const s3 = createS3Client(config);
  try {
    if (mode === "seed") {
      await s3.send(new HeadBucketCommand({ Bucket: bucket })).catch(() => s3.send(new CreateBucketCommand({ Bucket: bucket })));
      // The demo bucket is the demo's own: start each run from an empty one, as the database is.
      const old = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      if (old.Contents?.length) {
        await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: old.Contents.map((o) => ({ Key: o.Key! })) } }));
      }
      const keys: string[] = [];
      for (let i = 1; i <= 3; i++) {
        const user = await ds.getRepository(AuthUser).save({
          password: "!", isSuperuser: false, username: `demo_learner_${i}`, firstName: "Demo", lastName: `Learner ${i}`,
          email: `demo${i}@example.com`, isStaff: false, isActive: true, dateJoined: new Date(), lastLogin: null,
        });
        const d = hex();
        const v = hex();
        const hostile = i === 3;
        await ds.getRepository(GeneratedCertificate).save({
          userId: user.id, courseId: `course-v1:DemoX+PDF101+2015_T${i}`, status: "downloadable", mode: "honor", grade: "0.9",
          name: `Demo Learner ${i}`, createdDate: new Date("2015-06-01T00:00:00Z"), modifiedDate: new Date("2015-06-01T00:00:00Z"),
          verifyUuid: v, downloadUuid: d, key: hex(), errorReason: "", distinction: false,
          // The third row points outside the configured base: the purge must refuse it and delete nothing.
          downloadUrl: hostile ? `https://attacker.example.com/downloads/${d}/Certificate.pdf` : `${base}/downloads/${d}/Certificate.pdf`,
        });
        keys.push(`downloads/${d}/Certificate.pdf`, `cert/${v}/Certificate.pdf.sig`, `cert/${v}/valid.html`, `cert/${v}/verify.html`);
        keys.push(`downloads/${d}/Certificate.pdf.bak`); // a neighbour sharing the prefix: must survive
        if (i === 1) {
          await ds.getRepository(GeneratedCertificate).save({
            userId: user.id, courseId: "course-v1:DemoX+Web201+2024", status: "downloadable", mode: "verified", grade: "0.8",
            name: "Demo Learner 1", createdDate: new Date(), modifiedDate: new Date(), verifyUuid: hex(),
            downloadUuid: "", downloadUrl: "", key: "", errorReason: "", distinction: false,
          });
        }
      }
      await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: "demo" }))));
      console.log(`Seeded 3 learners, 4 certificates (3 PDF, 1 web) and ${keys.length} objects in bucket ${bucket}.`);
    }
    const rows = await ds.getRepository(GeneratedCertificate).find({ order: { id: "ASC" } });
    console.log("\ncertificates_generatedcertificate:");
    console.log("  id  user  status        download_uuid                     download_url");
    for (const r of rows) {
      console.log(`  ${String(r.id).padEnd(3)} ${String(r.userId).padEnd(5)} ${r.status.padEnd(13)} ${(r.downloadUuid || "''").padEnd(33)} ${r.downloadUrl ? r.downloadUrl.slice(0, 60) + "…" : "''"}`);
    }
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    console.log(`\nobjects in ${bucket}: ${objects.KeyCount ?? 0}`);
    for (const o of objects.Contents ?? []) console.log(`  ${o.Key}`);
  } finally {
    await ds.destroy();
    s3.destroy();
  }
}

main(process.argv[2] ?? "report").catch((err) => {
  console.error(isS3ServiceError(err) ? `S3 refused the request: ${describeS3Error(err)}` : err instanceof Error ? err.message : err);
  process.exit(1);
});
