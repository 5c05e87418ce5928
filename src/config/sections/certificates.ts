import type { ConfigSource } from "../config-source";

export interface CertificatesConfig {
  bucket?: string;
  downloadUrlBases: string[];
  downloadPrefix: string;
  verifyPrefix: string;
  filename: string;
}

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_SEGMENT = /^[A-Za-z0-9._-]+$/;

export function readCertificatesConfig(src: ConfigSource): CertificatesConfig {
  const bucket = src.string("CERTIFICATES_BUCKET", "Bucket holding legacy PDF certificates (edx-certificates' CERT_BUCKET); required by the purge");
  if (bucket !== undefined && !S3_BUCKET.test(bucket)) src.problem("CERTIFICATES_BUCKET", `"${bucket}" is not a valid S3 bucket name`);

  const defaultBase = bucket ? `https://${bucket}.s3.amazonaws.com` : undefined;
  const bases = src.stringList(
    "CERTIFICATES_DOWNLOAD_URL_BASES",
    "Comma-separated URL bases a stored download_url may start with (edx-certificates' CERT_DOWNLOAD_URL); default https://{CERTIFICATES_BUCKET}.s3.amazonaws.com",
    { default: defaultBase ? [defaultBase] : [] },
  );
  const downloadUrlBases: string[] = [];
  for (const base of bases) {
    try {
      const url = new URL(base);
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("protocol");
      if (url.search || url.hash || url.username || url.password) throw new Error("extras");
      downloadUrlBases.push(url.origin + url.pathname.replace(/\/+$/, ""));
    } catch {
      src.problem("CERTIFICATES_DOWNLOAD_URL_BASES", `"${base}" is not an http(s) URL without query, fragment or credentials`);
    }
  }

  const segment = (name: string, description: string, def: string): string => {
    const value = src.string(name, description, { default: def });
    if (!KEY_SEGMENT.test(value) || value === "." || value === "..") {
      src.problem(name, `must be a single path segment of letters, digits, '.', '_' or '-', got "${value}"`);
    }
    return value;
  };
  return {
    bucket,
    downloadUrlBases,
    downloadPrefix: segment("CERTIFICATES_DOWNLOAD_PREFIX", "Key prefix of the certificate PDFs (edx-certificates' S3_CERT_PATH)", "downloads"),
    verifyPrefix: segment("CERTIFICATES_VERIFY_PREFIX", "Key prefix of the signature and verification pages (edx-certificates' S3_VERIFY_PATH)", "cert"),
    filename: segment("CERTIFICATES_FILENAME", "File name of the PDF (edx-certificates' CERT_FILENAME)", "Certificate.pdf"),
  };
}
