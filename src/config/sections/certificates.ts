import { z } from "zod";
import { defineSection } from "../section";
import { list, text, variable } from "../variable";

export interface CertificatesConfig {
  bucket?: string;
  downloadUrlBases: string[];
  downloadPrefix: string;
  verifyPrefix: string;
  filename: string;
}

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** An http(s) URL base without query, fragment or credentials, normalised to origin + path without a trailing '/'. */
const urlBase = z.string().transform((base, ctx) => {
  const problem = `"${base}" is not an http(s) URL without query, fragment or credentials`;
  if (!URL.canParse(base)) {
    ctx.issues.push({ code: "custom", message: problem, input: base });
    return z.NEVER;
  }
  const url = new URL(base);
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash || url.username || url.password) {
    ctx.issues.push({ code: "custom", message: problem, input: base });
    return z.NEVER;
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
});

const keySegment = () =>
  text().refine((v) => KEY_SEGMENT.test(v) && v !== "." && v !== "..", {
    error: (iss) => `must be a single path segment of letters, digits, '.', '_' or '-', got "${String(iss.input)}"`,
  });

export const certificatesSection = defineSection(
  {
    CERTIFICATES_BUCKET: variable(
      text().refine((v) => S3_BUCKET.test(v), { error: (iss) => `"${String(iss.input)}" is not a valid S3 bucket name` }),
      { description: "Bucket holding legacy PDF certificates (edx-certificates' CERT_BUCKET); required by the purge" },
    ),
    CERTIFICATES_DOWNLOAD_URL_BASES: variable(list(urlBase, { commaSeparated: true }), {
      description:
        "Comma-separated URL bases a stored download_url may start with (edx-certificates' CERT_DOWNLOAD_URL); default https://{CERTIFICATES_BUCKET}.s3.amazonaws.com",
    }),
    CERTIFICATES_DOWNLOAD_PREFIX: variable(keySegment(), { description: "Key prefix of the certificate PDFs (edx-certificates' S3_CERT_PATH)", default: "downloads" }),
    CERTIFICATES_VERIFY_PREFIX: variable(keySegment(), {
      description: "Key prefix of the signature and verification pages (edx-certificates' S3_VERIFY_PATH)",
      default: "cert",
    }),
    CERTIFICATES_FILENAME: variable(keySegment(), { description: "File name of the PDF (edx-certificates' CERT_FILENAME)", default: "Certificate.pdf" }),
  },
  (v): CertificatesConfig => ({
    bucket: v.CERTIFICATES_BUCKET,
    downloadUrlBases: v.CERTIFICATES_DOWNLOAD_URL_BASES ?? (v.CERTIFICATES_BUCKET ? [`https://${v.CERTIFICATES_BUCKET}.s3.amazonaws.com`] : []),
    downloadPrefix: v.CERTIFICATES_DOWNLOAD_PREFIX,
    verifyPrefix: v.CERTIFICATES_VERIFY_PREFIX,
    filename: v.CERTIFICATES_FILENAME,
  }),
);
