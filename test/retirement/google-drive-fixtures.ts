import { createVerify, generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { DataSource } from "typeorm";
import { FakeHttpService, type ReceivedRequest, type Reply } from "../support/fake-http-service";

export const FOLDER_MIMETYPE = "application/vnd.google-apps.folder";
const DRIVE_SCOPE = "https://www.googleapis.com/auth/drive https://www.googleapis.com/auth/drive.metadata";
const SERVICE_ACCOUNT = "reports@openedx-test.iam.gserviceaccount.com";

interface DriveFile {
  id: string;
  name: string;
  parents: string[];
  mimeType: string;
  content: string;
  /** Reporting rows (user ids) in the LMS database when the upload arrived. */
  rowsAtUpload: number[];
}

/**
 * A local server playing the Google endpoints Google's Node client calls for upstream's DriveApi: the service
 * account's token endpoint (the key file's token_uri; the RS256 assertion is verified with the key's public half),
 * files.list, the multipart files.create upload, permissions.list and comments.create. Every API request must carry
 * the issued token; every request is checked as the client sends it and kept for the test to read.
 */
export class FakeGoogleDrive {
  readonly files: DriveFile[] = [];
  readonly comments: Array<{ fileId: string; content: string }> = [];
  readonly problems: string[] = [];
  /** Folders whose uploads are refused (403, as a folder the account may not write to). */
  readonly refuseUploadsTo = new Set<string>();
  /** Folders whose uploads never get an answer (a hung connection). */
  readonly hangUploadsTo = new Set<string>();
  private readonly folders: Array<{ id: string; name: string; parent: string; emails: string[] }> = [];
  private readonly keyPair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  private tokens = 0;

  private constructor(readonly http: FakeHttpService, private readonly ds: DataSource) {}

  static async start(ds: DataSource): Promise<FakeGoogleDrive> {
    const drive = new FakeGoogleDrive(await FakeHttpService.start(), ds);
    drive.http.on("POST /token", (req) => drive.token(req));
    drive.http.on("GET /drive/v3/files", (req) => drive.list(req));
    drive.http.on("POST /upload/drive/v3/files", (req) => drive.upload(req));
    drive.http.otherwise((req) => drive.byId(req));
    return drive;
  }

  get rootUrl(): string {
    return `${this.http.url}/`;
  }

  addFolder(id: string, name: string, parent: string, emails: string[] = []): this {
    this.folders.push({ id, name, parent, emails });
    return this;
  }

  /** A service account key file as Google issues them, its token_uri pointing here. */
  writeKeyFile(dir: string): string {
    const file = path.join(dir, "service-account.json");
    fs.writeFileSync(file, JSON.stringify({
      type: "service_account", project_id: "openedx-test", private_key_id: "k1",
      private_key: this.keyPair.privateKey.export({ type: "pkcs8", format: "pem" }),
      client_email: SERVICE_ACCOUNT, client_id: "1", token_uri: `${this.http.url}/token`,
    }));
    return file;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private token(req: ReceivedRequest): Reply {
    const form = new URLSearchParams(req.body);
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return this.refuse(`token grant_type ${form.get("grant_type")}`, 400);
    const [header, payload, signature] = (form.get("assertion") ?? "").split(".");
    const verifier = createVerify("RSA-SHA256").update(`${header}.${payload}`);
    if (!verifier.verify(this.keyPair.publicKey, Buffer.from(signature ?? "", "base64url"))) return this.refuse("token assertion signature", 400);
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    if (claims.iss !== SERVICE_ACCOUNT || claims.scope !== DRIVE_SCOPE || typeof claims.exp !== "number") return this.refuse(`token claims ${JSON.stringify(claims)}`, 400);
    this.tokens++;
    return { status: 200, body: { access_token: `drive-token-${this.tokens}`, expires_in: 3599, token_type: "Bearer" } };
  }

  private authorized(req: ReceivedRequest): boolean {
    const ok = this.tokens > 0 && req.headers.authorization === `Bearer drive-token-${this.tokens}`;
    if (!ok) this.problems.push(`${req.method} ${req.url}: authorization ${req.headers.authorization}`);
    return ok;
  }

  private refuse(problem: string, status: number): Reply {
    this.problems.push(problem);
    return { status, body: { error: { code: status, message: problem } } };
  }

  /** files.list as upstream's walk_files asks: folders directly under one parent, two a page. */
  private list(req: ReceivedRequest): Reply {
    if (!this.authorized(req)) return { status: 401, body: { error: { code: 401 } } };
    const query = new URL(req.url, this.http.url).searchParams;
    const parent = /^\( mimeType = 'application\/vnd\.google-apps\.folder' or mimeType = 'application\/vnd\.google-apps\.folder'\) and '([^']+)' in parents$/.exec(query.get("q") ?? "")?.[1];
    if (!parent || query.get("fields") !== "nextPageToken, files(id, name, mimeType, parents)") return this.refuse(`files.list ${req.url}`, 400);
    const all = this.folders.filter((f) => f.parent === parent);
    const start = Number(query.get("pageToken") ?? 0);
    const page = all.slice(start, start + 2).map((f) => ({ id: f.id, name: f.name, mimeType: FOLDER_MIMETYPE, parents: [f.parent] }));
    return { status: 200, body: { files: page, ...(start + 2 < all.length ? { nextPageToken: String(start + 2) } : {}) } };
  }

  private async upload(req: ReceivedRequest): Promise<Reply> {
    if (!this.authorized(req)) return { status: 401, body: { error: { code: 401 } } };
    const query = new URL(req.url, this.http.url).searchParams;
    if (query.get("uploadType") !== "multipart" || query.get("fields") !== "id") return this.refuse(`upload ${req.url}`, 400);
    const boundary = /boundary=([^;]+)/.exec(String(req.headers["content-type"]))?.[1];
    if (!boundary || !String(req.headers["content-type"]).startsWith("multipart/related")) return this.refuse(`upload content-type ${req.headers["content-type"]}`, 400);
    const parts = req.body.split(`--${boundary}`).slice(1, -1).map((part) => {
      const [head, ...rest] = part.replace(/^\r\n/, "").split("\r\n\r\n");
      return { head: head.toLowerCase(), body: rest.join("\r\n\r\n").replace(/\r\n$/, "") };
    });
    if (parts.length !== 2 || !parts[0].head.includes("application/json") || !parts[1].head.includes("text/csv")) return this.refuse(`upload parts ${parts.map((p) => p.head).join(" | ")}`, 400);
    const metadata = JSON.parse(parts[0].body) as { name: string; parents: string[] };
    if (metadata.parents.some((p) => this.hangUploadsTo.has(p))) return { status: 200, hang: true };
    if (metadata.parents.some((p) => this.refuseUploadsTo.has(p))) return { status: 403, body: { error: { code: 403, message: "The user does not have sufficient permissions for this file." } } };
    const rows: Array<{ user_id: number }> = await this.ds.query("SELECT user_id FROM user_api_userretirementpartnerreportingstatus ORDER BY user_id");
    const file: DriveFile = { id: `file-${this.files.length + 1}`, name: metadata.name, parents: metadata.parents, mimeType: "text/csv", content: parts[1].body, rowsAtUpload: rows.map((r) => Number(r.user_id)) };
    this.files.push(file);
    return { status: 200, body: { id: file.id } };
  }

  /** permissions.list and comments.create, whose paths hold ids. */
  private byId(req: ReceivedRequest): Reply {
    if (!this.authorized(req)) return { status: 401, body: { error: { code: 401 } } };
    const [pathname, search] = req.url.split("?");
    const query = new URLSearchParams(search);
    const permissions = /^\/drive\/v3\/files\/([^/]+)\/permissions$/.exec(pathname);
    if (req.method === "GET" && permissions) {
      const folder = this.folders.find((f) => f.id === decodeURIComponent(permissions[1]));
      if (!folder || query.get("fields") !== "permissions(emailAddress)") return this.refuse(`permissions ${req.url}`, 404);
      return { status: 200, body: { permissions: folder.emails.map((emailAddress) => ({ emailAddress })) } };
    }
    const comments = /^\/drive\/v3\/files\/([^/]+)\/comments$/.exec(pathname);
    if (req.method === "POST" && comments) {
      const fileId = decodeURIComponent(comments[1]);
      if (!this.files.some((f) => f.id === fileId) || query.get("fields") !== "id") return this.refuse(`comment ${req.url}`, 404);
      this.comments.push({ fileId, content: (JSON.parse(req.body) as { content: string }).content });
      return { status: 200, body: { id: `comment-${this.comments.length}` } };
    }
    return this.refuse(`unexpected ${req.method} ${req.url}`, 404);
  }
}
