import { PutObjectCommand } from "@aws-sdk/client-s3";
import { hex32 } from "../../test/support/fixtures";
import type { Harness } from "../../test/support/harness";
import { insertRows, insertUsers } from "../support/bulk-sql";
import { inParallel } from "../support/measure";

/** Uploads tiny objects (the purge deletes them; their size is irrelevant), 64 PUTs in flight. */
export async function putObjects(h: Harness, keys: string[]): Promise<void> {
  const bucket = h.bucket!;
  await inParallel(keys, 64, (Key) => bucket.s3.send(new PutObjectCommand({ Bucket: bucket.name, Key, Body: "x" })));
}

/**
 * `count` legacy PDF certificates as edx-certificates left them: every row has its download URL and uuids; two
 * thirds have all 4 objects in the bucket, one third only the PDF (older runs never wrote the verify pages, or
 * they were lost), which DeleteObjects reports as deleted all the same. Returns the certificate ids.
 */
export async function seedPdfCertificates(h: Harness, count: number, tag: string): Promise<{ ids: number[]; objects: number }> {
  const bucket = h.bucket!.name;
  const userIds = await insertUsers(h.ds, Array.from({ length: count }, (_, i) => `${tag}p${i}`));
  const keys: string[] = [];
  const rows = userIds.map((userId, i) => {
    const download = hex32();
    const verify = hex32();
    keys.push(`downloads/${download}/Certificate.pdf`);
    if (i % 3 !== 0) keys.push(`cert/${verify}/Certificate.pdf.sig`, `cert/${verify}/valid.html`, `cert/${verify}/verify.html`);
    return [userId, `course-v1:Bench+P${tag}+2015`, verify, download, `https://${bucket}.s3.amazonaws.com/downloads/${download}/Certificate.pdf`, "0.87", hex32(), "downloadable", "verified", "Ada Lovelace", new Date("2015-04-01T10:00:00Z"), new Date("2015-04-01T10:00:00Z"), ""];
  });
  await insertRows(h.ds, "certificates_generatedcertificate", ["user_id", "course_id", "verify_uuid", "download_uuid", "download_url", "grade", "key", "status", "mode", "name", "created_date", "modified_date", "error_reason"], rows);
  await putObjects(h, keys);
  const ids: Array<{ id: number }> = await h.ds.query(`SELECT id FROM certificates_generatedcertificate WHERE course_id = ? ORDER BY id`, [`course-v1:Bench+P${tag}+2015`]);
  return { ids: ids.map((r) => Number(r.id)), objects: keys.length };
}
