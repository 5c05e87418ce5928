import { expect } from "chai";
import { pdfCertificateKeys, type PdfCertificateLinks } from "../../src/domain/certificates/pdf-certificate-files";
import { HostileLinkError } from "../../src/domain/certificates/hostile-link-error";

const layout = {
  downloadUrlBases: ["https://edx-certs.s3.amazonaws.com", "https://certs.example.org/files"],
  downloadPrefix: "downloads",
  verifyPrefix: "cert",
  filename: "Certificate.pdf",
};
const D = "0123456789abcdef0123456789abcdef";
const V = "fedcba9876543210fedcba9876543210";
const row = (o: Partial<PdfCertificateLinks> = {}): PdfCertificateLinks => ({
  id: 42,
  downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads/${D}/Certificate.pdf`,
  downloadUuid: D,
  verifyUuid: V,
  ...o,
});

describe("pdfCertificateKeys", () => {
  it("derives the PDF key from the URL path and the 3 verification keys from verify_uuid", () => {
    expect(pdfCertificateKeys(row(), layout)).to.deep.equal([
      `downloads/${D}/Certificate.pdf`,
      `cert/${V}/Certificate.pdf.sig`,
      `cert/${V}/valid.html`,
      `cert/${V}/verify.html`,
    ]);
  });

  it("accepts any configured base, including one with a path", () => {
    const keys = pdfCertificateKeys(row({ downloadUrl: `https://certs.example.org/files/downloads/${D}/Certificate.pdf` }), layout);
    expect(keys[0]).to.equal(`downloads/${D}/Certificate.pdf`);
  });

  it("uses configured prefixes and file name", () => {
    const custom = { ...layout, downloadPrefix: "pdfs", verifyPrefix: "verify", filename: "Cert.pdf" };
    const keys = pdfCertificateKeys(row({ downloadUrl: `https://edx-certs.s3.amazonaws.com/pdfs/${D}/Cert.pdf` }), custom);
    expect(keys).to.deep.equal([`pdfs/${D}/Cert.pdf`, `verify/${V}/Cert.pdf.sig`, `verify/${V}/valid.html`, `verify/${V}/verify.html`]);
  });

  it("builds the PDF key from download_uuid when download_url is empty", () => {
    expect(pdfCertificateKeys(row({ downloadUrl: "" }), layout)[0]).to.equal(`downloads/${D}/Certificate.pdf`);
  });

  const hostile: Array<[string, Partial<PdfCertificateLinks>, RegExp]> = [
    ["a URL on another host", { downloadUrl: `https://evil.example.com/downloads/${D}/Certificate.pdf` }, /not under any/],
    ["a host that only starts like the base", { downloadUrl: `https://edx-certs.s3.amazonaws.com.evil.io/downloads/${D}/Certificate.pdf` }, /not under any/],
    ["http instead of https", { downloadUrl: `http://edx-certs.s3.amazonaws.com/downloads/${D}/Certificate.pdf` }, /not under any/],
    ["a key outside the download prefix", { downloadUrl: `https://edx-certs.s3.amazonaws.com/cert/${D}/Certificate.pdf` }, /outside the download prefix/],
    ["a dot-dot segment", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads/../cert/${V}/valid.html` }, /'\.\.' segment/],
    ["a dot-dot after the uuid", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads/${D}/../${D}/Certificate.pdf` }, /'\.\.' segment/],
    ["a double slash", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads//${D}/Certificate.pdf` }, /empty segment/],
    ["a leading double slash", { downloadUrl: `https://edx-certs.s3.amazonaws.com//downloads/${D}/Certificate.pdf` }, /empty segment/],
    ["percent-encoded dots", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads/%2e%2e/${D}/Certificate.pdf` }, /percent-encoded/],
    ["a percent-encoded slash", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads%2F${D}/Certificate.pdf` }, /percent-encoded/],
    ["a backslash", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads\\${D}/Certificate.pdf` }, /backslash/],
    ["a query string", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads/${D}/Certificate.pdf?x=1` }, /query/],
    ["whitespace", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads/${D}/Certificate .pdf` }, /whitespace/],
    ["credentials in the URL", { downloadUrl: `https://user@edx-certs.s3.amazonaws.com/downloads/${D}/Certificate.pdf` }, /not under any/],
    ["a path too deep", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads/${D}/x/Certificate.pdf` }, /must be downloads/],
    ["only the prefix (would be a whole folder)", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads/${D}` }, /must be downloads/],
    ["a trailing slash", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads/${D}/` }, /empty segment/],
    ["a path uuid different from download_uuid", { downloadUrl: `https://edx-certs.s3.amazonaws.com/downloads/${V}/Certificate.pdf` }, /differs from download_uuid/],
    ["a non-hex path uuid", { downloadUrl: "https://edx-certs.s3.amazonaws.com/downloads/not-a-uuid/Certificate.pdf", downloadUuid: "" }, /not 32 hex/],
    ["an empty verify_uuid", { verifyUuid: "" }, /verify_uuid is empty/],
    ["a non-hex verify_uuid", { verifyUuid: "../../downloads/aaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }, /verify_uuid is not 32 hex/],
    ["a short verify_uuid", { verifyUuid: "abc" }, /verify_uuid is not 32 hex/],
    ["a non-hex download_uuid with no URL", { downloadUrl: "", downloadUuid: "../cert" }, /download_uuid is not 32 hex/],
  ];
  for (const [label, change, reason] of hostile) {
    it(`refuses ${label}, naming the certificate`, () => {
      let error: unknown;
      try {
        pdfCertificateKeys(row(change), layout);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(HostileLinkError);
      expect((error as Error).message).to.match(/^certificate 42: refusing to purge: /).and.match(reason);
    });
  }
});
