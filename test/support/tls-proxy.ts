import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

export interface TlsProxy {
  /** https://127.0.0.1:<port> (the certificate names localhost and 127.0.0.1) */
  url: string;
  /** base64 SHA-256 of the server certificate's public key: what Chromium's --ignore-certificate-errors-spki-list takes. */
  spkiHash: string;
  /** PEM of the CA that signed the server certificate (for clients that take a CA). */
  ca: string;
  /** Requests the proxy forwarded, with the headers it added. */
  forwarded: Array<{ method: string; url: string; forwardedProto: string; forwardedFor: string }>;
  close(): Promise<void>;
}

/**
 * A self-made CA and a server certificate for localhost signed by it, made with openssl at test time (nothing kept,
 * nothing downloaded), in a temporary directory removed afterwards.
 */
function makeCertificates(): { ca: string; key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owt-tls-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  try {
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=openedx-workers test CA");
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
    fs.writeFileSync(path.join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "ext.cnf");
    const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
    return { ca: read("ca.pem"), key: read("server.key"), cert: read("server.pem") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A TLS-terminating reverse proxy in front of `target` (an http:// origin), as nginx or a load balancer plays it:
 * HTTPS to the browser, plain HTTP to the console, with X-Forwarded-For (the client's address), X-Forwarded-Proto:
 * https and X-Forwarded-Host added.
 */
export async function startTlsProxy(target: string): Promise<TlsProxy> {
  const { ca, key, cert } = makeCertificates();
  const upstream = new URL(target);
  const forwarded: TlsProxy["forwarded"] = [];
  const server = https.createServer({ key, cert }, (req, res) => {
    const forwardedFor = req.socket.remoteAddress ?? "";
    const headers = { ...req.headers, "x-forwarded-for": forwardedFor, "x-forwarded-proto": "https", "x-forwarded-host": req.headers.host ?? "" };
    forwarded.push({ method: req.method ?? "", url: req.url ?? "", forwardedProto: "https", forwardedFor });
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, timeout: 30_000 }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on("timeout", () => out.destroy(new Error("upstream timeout")));
    out.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const spkiHash = createHash("sha256").update(new X509Certificate(cert).publicKey.export({ type: "spki", format: "der" })).digest("base64");
  return {
    url: `https://127.0.0.1:${port}`,
    spkiHash,
    ca,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
