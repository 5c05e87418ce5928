import type { DataSource } from "typeorm";
import { hex32 } from "../support/fixtures";

/**
 * The rows `request-retirement` (upstream's create_retirement_request_and_deactivate_account) acts on, for one
 * learner, written with every NOT NULL column of the real LMS tables filled (edxapp-2023-02.sql), so the same seed
 * works on `migrate --with-lms-schema` and on the real schema.
 */
export interface AccountRows {
  userId: number;
  socialAuthIds: number[];
  registrationId: number;
  recoveryId: number;
  /** The learner's own OAuth2 application, with its oauth_dispatch rows, one grant and one access token of its own. */
  appId: number;
  /** Tokens and grants the learner holds on another user's application. */
  accessTokenId: number;
  refreshTokenId: number;
  grantId: number;
}

const NOW = "UTC_TIMESTAMP(6)";

async function insertId(ds: DataSource, sql: string, params: unknown[]): Promise<number> {
  const [row] = await ds.query(`${sql} RETURNING id`, params);
  return Number(row.id);
}

export async function insertApplication(ds: DataSource, ownerId: number | null): Promise<number> {
  return insertId(
    ds,
    `INSERT INTO oauth2_provider_application
       (client_id, redirect_uris, client_type, authorization_grant_type, client_secret, name, user_id, skip_authorization, created, updated)
     VALUES (?, 'https://app.example.com/cb', 'confidential', 'authorization-code', ?, ?, ?, 0, ${NOW}, ${NOW})`,
    [hex32(), hex32(), `app ${hex32().slice(0, 6)}`, ownerId],
  );
}

export async function insertAccessToken(ds: DataSource, userId: number, appId: number, sourceRefreshTokenId: number | null = null): Promise<number> {
  return insertId(
    ds,
    `INSERT INTO oauth2_provider_accesstoken (token, expires, scope, application_id, user_id, created, updated, source_refresh_token_id)
     VALUES (?, ${NOW} + INTERVAL 1 HOUR, 'read write', ?, ?, ${NOW}, ${NOW}, ?)`,
    [hex32(), appId, userId, sourceRefreshTokenId],
  );
}

export async function insertRefreshToken(ds: DataSource, userId: number, appId: number, accessTokenId: number | null): Promise<number> {
  return insertId(
    ds,
    `INSERT INTO oauth2_provider_refreshtoken (token, access_token_id, application_id, user_id, created, updated, revoked)
     VALUES (?, ?, ?, ?, ${NOW}, ${NOW}, NULL)`,
    [hex32(), accessTokenId, appId, userId],
  );
}

export async function insertGrant(ds: DataSource, userId: number, appId: number): Promise<number> {
  return insertId(
    ds,
    `INSERT INTO oauth2_provider_grant (code, expires, redirect_uri, scope, application_id, user_id, created, updated, code_challenge, code_challenge_method)
     VALUES (?, ${NOW} + INTERVAL 10 MINUTE, 'https://app.example.com/cb', 'read', ?, ?, ${NOW}, ${NOW}, '', '')`,
    [hex32(), appId, userId],
  );
}

/** `email` is the learner's: the social-auth uid and the recovery email carry it, as they do in an LMS. */
export async function seedAccountRows(ds: DataSource, userId: number, email: string, otherAppId: number): Promise<AccountRows> {
  const socialAuthIds: number[] = [];
  for (const provider of ["google-oauth2", "tpa-saml"]) {
    socialAuthIds.push(
      await insertId(
        ds,
        `INSERT INTO social_auth_usersocialauth (provider, uid, extra_data, user_id, created, modified) VALUES (?, ?, ?, ?, ${NOW}, ${NOW})`,
        [provider, `${provider}:${email}`, JSON.stringify({ email, name: "Ada Lovelace" }), userId],
      ),
    );
  }
  const registrationId = await insertId(ds, "INSERT INTO auth_registration (activation_key, user_id, activation_timestamp) VALUES (?, ?, NULL)", [hex32(), userId]);
  const recoveryId = await insertId(ds, "INSERT INTO auth_accountrecovery (secondary_email, user_id, is_active) VALUES (?, ?, 1)", [`recovery.${email}`, userId]);

  const appId = await insertApplication(ds, userId);
  await ds.query("INSERT INTO oauth_dispatch_applicationaccess (scopes, application_id, filters) VALUES ('user_id,profile', ?, NULL)", [appId]);
  await ds.query("INSERT INTO oauth_dispatch_restrictedapplication (application_id) VALUES (?)", [appId]);
  const orgId = await insertId(
    ds,
    `INSERT INTO organizations_organization (created, modified, name, short_name, description, logo, active) VALUES (${NOW}, ${NOW}, ?, ?, NULL, NULL, 1)`,
    [`Org ${userId}`, `Org${userId}x${hex32().slice(0, 6)}`],
  );
  await ds.query("INSERT INTO oauth_dispatch_applicationorganization (relation_type, application_id, organization_id) VALUES ('content_org', ?, ?)", [appId, orgId]);
  await insertGrant(ds, userId, appId);
  await insertAccessToken(ds, userId, appId);

  const accessTokenId = await insertAccessToken(ds, userId, otherAppId);
  const refreshTokenId = await insertRefreshToken(ds, userId, otherAppId, accessTokenId);
  const grantId = await insertGrant(ds, userId, otherAppId);
  return { userId, socialAuthIds, registrationId, recoveryId, appId, accessTokenId, refreshTokenId, grantId };
}
