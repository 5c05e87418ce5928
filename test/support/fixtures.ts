import { randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import { AuthUser, GeneratedCertificate } from "../../src/entities/lms";

export const hex32 = (): string => randomBytes(16).toString("hex");

let userCounter = 0;

/** A learner with recognisable PII, so tests can assert that it never leaks. */
export async function insertUser(ds: DataSource, overrides: Partial<AuthUser> = {}): Promise<AuthUser> {
  const n = ++userCounter;
  const tag = `${Date.now().toString(36)}${n}`;
  const repo = ds.getRepository(AuthUser);
  return repo.save(
    repo.create({
      password: "pbkdf2_sha256$fixture",
      isSuperuser: false,
      username: `learner_${tag}`,
      firstName: `Ada${tag}`,
      lastName: `Lovelace${tag}`,
      email: `learner_${tag}@example.com`,
      isStaff: false,
      isActive: true,
      dateJoined: new Date(),
      lastLogin: null,
      ...overrides,
    }),
  );
}

export interface PdfCertificateFixture {
  certificate: GeneratedCertificate;
  /** The 4 keys edx-certificates wrote for it. */
  keys: string[];
}

/** A legacy PDF certificate row as the xqueue callback left it: downloadable, with download and verify uuids. */
export async function insertPdfCertificate(
  ds: DataSource,
  bucket: string,
  overrides: Partial<GeneratedCertificate> & { userId?: number } = {},
): Promise<PdfCertificateFixture> {
  const userId = overrides.userId ?? (await insertUser(ds)).id;
  const downloadUuid = overrides.downloadUuid ?? hex32();
  const verifyUuid = overrides.verifyUuid ?? hex32();
  const repo = ds.getRepository(GeneratedCertificate);
  const certificate = await repo.save(
    repo.create({
      courseId: `course-v1:OrgX+C${userCounter}+${hex32().slice(0, 6)}`,
      status: "downloadable",
      mode: "verified",
      grade: "0.87",
      key: hex32(),
      name: `Ada Lovelace ${userId}`,
      createdDate: new Date("2015-04-01T10:00:00Z"),
      modifiedDate: new Date("2015-04-01T10:00:00Z"),
      errorReason: "",
      distinction: false,
      downloadUrl: `https://${bucket}.s3.amazonaws.com/downloads/${downloadUuid}/Certificate.pdf`,
      ...overrides,
      downloadUuid,
      verifyUuid,
      userId,
    }),
  );
  const keys = [
    `downloads/${downloadUuid}/Certificate.pdf`,
    `cert/${verifyUuid}/Certificate.pdf.sig`,
    `cert/${verifyUuid}/valid.html`,
    `cert/${verifyUuid}/verify.html`,
  ];
  return { certificate, keys };
}

/** The whole row as the database holds it, for "every other column unchanged" assertions. */
export async function rawRow(ds: DataSource, table: string, id: number): Promise<Record<string, unknown>> {
  const rows = await ds.query(`SELECT * FROM \`${table}\` WHERE id = ?`, [id]);
  return rows[0];
}
