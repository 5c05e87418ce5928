import { HostileLinkError } from "./hostile-link-error";

/** The links a legacy PDF certificate row holds (certificates_generatedcertificate). */
export interface PdfCertificateLinks {
  id: number;
  downloadUrl: string;
  downloadUuid: string;
  verifyUuid: string;
}

interface PdfFilesLayout {
  /** Allowed URL bases, normalised without a trailing slash, e.g. https://bucket.s3.amazonaws.com */
  downloadUrlBases: string[];
  downloadPrefix: string;
  verifyPrefix: string;
  filename: string;
}

/** Certificates purged per job: each owns 4 objects, and DeleteObjects takes at most 1,000 keys. */
export const PURGE_BATCH_SIZE = 250;

const HEX32 = /^[0-9a-fA-F]{32}$/;
const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;
/** Printable ASCII without space: anything else in a stored URL is an attempt to smuggle something. */
const PLAIN_URL = /^[\x21-\x7e]+$/;

/** A row is a PDF certificate when it still references a PDF: upstream's is_pdf_certificate plus the uuid. */
export function hasPdfLinks(row: Pick<PdfCertificateLinks, "downloadUrl" | "downloadUuid">): boolean {
  return row.downloadUrl !== "" || row.downloadUuid !== "";
}

/**
 * The 4 object keys edx-certificates wrote for this certificate (PDF, detached signature, valid and verify pages),
 * derived only from links that describe exactly those objects. Anything unexpected is refused rather than
 * "cleaned up": a wrong key here deletes somebody else's file.
 */
export function pdfCertificateKeys(row: PdfCertificateLinks, layout: PdfFilesLayout): string[] {
  const refuse = (reason: string): never => {
    throw new HostileLinkError(row.id, reason);
  };

  let pdfKey: string;
  if (row.downloadUrl !== "") {
    pdfKey = pdfKeyFromUrl(row, layout, refuse);
  } else {
    if (!HEX32.test(row.downloadUuid)) refuse("download_uuid is not 32 hex characters");
    pdfKey = `${layout.downloadPrefix}/${row.downloadUuid}/${layout.filename}`;
  }

  if (row.verifyUuid === "") refuse("verify_uuid is empty, so the verification files cannot be located");
  if (!HEX32.test(row.verifyUuid)) refuse("verify_uuid is not 32 hex characters");
  const verifyDir = `${layout.verifyPrefix}/${row.verifyUuid}`;
  return [pdfKey, `${verifyDir}/${layout.filename}.sig`, `${verifyDir}/valid.html`, `${verifyDir}/verify.html`];
}

function pdfKeyFromUrl(row: PdfCertificateLinks, layout: PdfFilesLayout, refuse: (reason: string) => never): string {
  const url = row.downloadUrl;
  if (!PLAIN_URL.test(url)) refuse("download_url contains whitespace or non-ASCII characters");
  // Percent-encoding is never needed by these keys and is how "..", "/" and "\" get smuggled past checks.
  if (url.includes("%")) refuse("download_url contains percent-encoded characters");
  if (/[\\?#]/.test(url)) refuse("download_url contains a backslash, query or fragment");

  // Compare raw text, never a parsed URL: URL parsing would resolve "..", which is exactly what must be refused.
  const base = layout.downloadUrlBases.find((b) => url.startsWith(`${b}/`));
  if (!base) refuse("download_url is not under any of CERTIFICATES_DOWNLOAD_URL_BASES");
  const path = url.slice(base!.length + 1);

  const segments = path.split("/");
  if (segments.some((s) => s === "")) refuse("download_url path has an empty segment ('//' or a trailing '/')");
  if (segments.some((s) => s === "." || s === "..")) refuse("download_url path has a '.' or '..' segment");
  if (segments[0] !== layout.downloadPrefix) refuse(`download_url path is outside the download prefix '${layout.downloadPrefix}/'`);
  if (segments.length !== 3) refuse(`download_url path must be ${layout.downloadPrefix}/<download_uuid>/<file>`);
  const [, uuid, file] = segments;
  if (!HEX32.test(uuid)) refuse("download_url path uuid is not 32 hex characters");
  if (row.downloadUuid !== "" && uuid !== row.downloadUuid) refuse("download_url path uuid differs from download_uuid");
  if (!SAFE_SEGMENT.test(file)) refuse("download_url file name has unexpected characters");
  return path;
}
