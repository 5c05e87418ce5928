import fs from "node:fs";
import { drive as driveApi, type drive_v3 } from "@googleapis/drive";
import { JWT } from "google-auth-library";
import { FOLDER_MIMETYPE, normalizePartnerName } from "../../domain/retirement/partner-report";
import { ConfigError } from "../../errors/config-error";

/** upstream DriveApi._api_scopes. */
const DRIVE_SCOPES = ["https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/drive.metadata"];
/** The token endpoint google-auth-library's service-account client calls, whatever the key file says. */
const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  token_uri?: string;
}

/** The service account key file, checked as upstream checks it (it must parse) and for the fields the client needs. */
export function readServiceAccountKey(path: string): ServiceAccountKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError([`RETIREMENT_PARTNER_GOOGLE_SECRETS_FILE (--google-secrets-file): failed to read secrets file ${path}: ${(err as Error).message}`]);
  }
  const key = parsed as Partial<ServiceAccountKey> | null;
  if (!key || typeof key.client_email !== "string" || typeof key.private_key !== "string") {
    throw new ConfigError([`RETIREMENT_PARTNER_GOOGLE_SECRETS_FILE (--google-secrets-file): failed to read secrets file ${path}: not a service account key (client_email and private_key are required)`]);
  }
  if (key.token_uri !== undefined && !URL.canParse(key.token_uri)) throw new ConfigError([`RETIREMENT_PARTNER_GOOGLE_SECRETS_FILE (--google-secrets-file): failed to read secrets file ${path}: token_uri is not a URL`]);
  return key as ServiceAccountKey;
}

/**
 * upstream's DriveApi (scripts/user_retirement/utils/thirdparty_apis/google_api.py) on Google's Node client
 * (@googleapis/drive with google-auth-library's service-account JWT client): the partner folders under the top folder,
 * CSV uploads, the folders' permission addresses and comments. Every request has a timeout; 429 and 5xx are retried
 * a few times with backoff (upstream retries those for up to 10 minutes).
 *
 * Two things differ from the Python client: the Node client has no batch requests, so permissions and comments are
 * one request per folder or file (upstream batches ten); and it always posts to Google's token URL, where Python's
 * honours the key file's `token_uri`, so a request interceptor sends the token request to the key file's `token_uri`.
 */
export class GoogleDriveReports {
  private readonly drive: drive_v3.Drive;
  /** Per call too: the client builds upload URLs from the call's own rootUrl only. */
  private readonly call: { rootUrl: string };

  constructor(key: ServiceAccountKey, opts: { rootUrl: string; timeoutMs: number }) {
    const auth = new JWT({ email: key.client_email, key: key.private_key, scopes: DRIVE_SCOPES });
    const tokenUri = key.token_uri;
    auth.transporter.interceptors.request.add({
      resolved: async (request) => {
        if (tokenUri && tokenUri !== GOOGLE_TOKEN_URL && String(request.url) === GOOGLE_TOKEN_URL) request.url = new URL(tokenUri);
        request.timeout ??= opts.timeoutMs;
        return request;
      },
    });
    this.call = { rootUrl: opts.rootUrl };
    this.drive = driveApi({
      version: "v3",
      auth,
      rootUrl: opts.rootUrl,
      timeout: opts.timeoutMs,
      retryConfig: { retry: 3, noResponseRetries: 2, httpMethodsToRetry: ["GET", "POST", "PUT", "DELETE"], statusCodesToRetry: [[429, 429], [500, 599]] },
    });
  }

  /**
   * upstream's `walk_files(top, mimetype=FOLDER_MIMETYPE, recurse=False)` as `_config_drive_folder_map_or_exit` uses
   * it: the folders directly under `parent`, by NFKC-normalized name (a later folder of the same name wins, as there).
   */
  async partnerFolders(parent: string): Promise<Map<string, string>> {
    const folders = new Map<string, string>();
    let pageToken: string | undefined;
    for (;;) {
      const { data } = await this.drive.files.list({
        q: `( mimeType = '${FOLDER_MIMETYPE}' or mimeType = '${FOLDER_MIMETYPE}') and '${parent}' in parents`,
        fields: "nextPageToken, files(id, name, mimeType, parents)",
        ...(pageToken ? { pageToken } : {}),
      }, this.call);
      const page = data.files ?? [];
      for (const f of page) if (f.mimeType === FOLDER_MIMETYPE && f.id && f.name !== undefined && f.name !== null) folders.set(normalizePartnerName(f.name), f.id);
      if (page.length === 0 || !data.nextPageToken) return folders;
      pageToken = data.nextPageToken;
    }
  }

  /** upstream's `create_file_in_folder(folder_id, filename, f, "text/csv")`: a multipart upload; returns the file id. */
  async uploadCsv(folderId: string, name: string, content: Buffer): Promise<string> {
    const { data } = await this.drive.files.create({
      requestBody: { name, parents: [folderId] },
      // A string body (the CSV is UTF-8 text), so a retried upload sends it again; a stream is spent after one try.
      media: { mimeType: "text/csv", body: content.toString("utf8") },
      fields: "id",
    }, this.call);
    if (!data.id) throw new Error(`Drive answered the upload of ${name} without a file id`);
    return data.id;
  }

  /** upstream's `list_permissions_for_files([folder], fields='emailAddress')`: the addresses the folder is shared with. */
  async folderAddresses(folderId: string): Promise<string[]> {
    const { data } = await this.drive.permissions.list({ fileId: folderId, fields: "permissions(emailAddress)" }, this.call);
    return (data.permissions ?? []).map((p) => p.emailAddress).filter((a): a is string => !!a);
  }

  /** upstream's `create_comments_for_files([(file_id, content)])`. */
  async comment(fileId: string, content: string): Promise<void> {
    await this.drive.comments.create({ fileId, fields: "id", requestBody: { content } }, this.call);
  }
}
