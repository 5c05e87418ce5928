import type { EntityManager } from "typeorm";
import { DOT_ACCESS_TOKEN_ID_TOKENS, DOT_ID_TOKENS } from "../../db/lms-schema/families/retirement";
import type { LmsSchemaSnapshot } from "../../db/lms-schema/lms-schema-snapshot";

const idsOf = (rows: Array<{ id: number | string }>) => rows.map((r) => Number(r.id));

/**
 * upstream's `retire_dot_oauth2_models(user)` (openedx/core/djangolib/oauth2_retirement_utils.py): deletes the
 * user's django-oauth-toolkit AccessTokens, Applications, Grants and RefreshTokens, in that order, each through the
 * Django ORM, whose collector follows every model's `on_delete`. In SQL that is:
 * - the user's applications, and with them (CASCADE) every access token, refresh token and grant issued to those
 *   applications, whoever holds it, and edx-platform's oauth_dispatch rows of the applications (ApplicationAccess,
 *   ApplicationOrganization, RestrictedApplication: openedx/core/djangoapps/oauth_dispatch/models.py);
 * - the user's own access tokens, refresh tokens and grants;
 * - a surviving refresh token that pointed at a deleted access token, or a surviving access token that pointed at a
 *   deleted refresh token, keeps its row with the link set to NULL (RefreshToken.access_token and
 *   AccessToken.source_refresh_token are SET_NULL).
 * - on an LMS with django-oauth-toolkit's OpenID Connect models (DOT 1.5+, Quince on; the registry's DOT_ID_TOKENS):
 *   every IDToken issued to the learner's applications (IDToken.application is CASCADE), and with each (CASCADE
 *   again, AccessToken.id_token) the access token it belongs to. The learner's ID tokens issued to other
 *   applications stay, as upstream leaves them (it deletes no IDToken by user).
 * The end state equals the ORM's; the links are cleared first so that no foreign key is ever left dangling.
 */
export async function retireDotOauth2Models(em: EntityManager, userId: number, schema: LmsSchemaSnapshot): Promise<void> {
  const apps = idsOf(await em.query("SELECT id FROM oauth2_provider_application WHERE user_id = ? FOR UPDATE", [userId]));
  const ofUserOrApps = apps.length === 0 ? { sql: "user_id = ?", params: [userId] } : { sql: "(user_id = ? OR application_id IN (?))", params: [userId, apps] };
  const idTokens = apps.length > 0 && schema.has(DOT_ID_TOKENS) ? idsOf(await em.query("SELECT id FROM oauth2_provider_idtoken WHERE application_id IN (?) FOR UPDATE", [apps])) : [];
  const ofIdTokens = idTokens.length > 0 && schema.has(DOT_ACCESS_TOKEN_ID_TOKENS) ? { sql: " OR id_token_id IN (?)", params: [idTokens] } : { sql: "", params: [] };
  const accessTokens = idsOf(
    await em.query(`SELECT id FROM oauth2_provider_accesstoken WHERE ${ofUserOrApps.sql}${ofIdTokens.sql} FOR UPDATE`, [...ofUserOrApps.params, ...ofIdTokens.params]),
  );
  const refreshTokens = idsOf(await em.query(`SELECT id FROM oauth2_provider_refreshtoken WHERE ${ofUserOrApps.sql} FOR UPDATE`, ofUserOrApps.params));

  if (accessTokens.length > 0) await em.query("UPDATE oauth2_provider_refreshtoken SET access_token_id = NULL WHERE access_token_id IN (?)", [accessTokens]);
  if (refreshTokens.length > 0) {
    await em.query("UPDATE oauth2_provider_accesstoken SET source_refresh_token_id = NULL WHERE source_refresh_token_id IN (?)", [refreshTokens]);
  }
  if (accessTokens.length > 0) await em.query("DELETE FROM oauth2_provider_accesstoken WHERE id IN (?)", [accessTokens]);
  if (refreshTokens.length > 0) await em.query("DELETE FROM oauth2_provider_refreshtoken WHERE id IN (?)", [refreshTokens]);
  await em.query(`DELETE FROM oauth2_provider_grant WHERE ${ofUserOrApps.sql}`, ofUserOrApps.params);
  if (apps.length === 0) return;
  if (idTokens.length > 0) await em.query("DELETE FROM oauth2_provider_idtoken WHERE id IN (?)", [idTokens]);
  for (const table of ["oauth_dispatch_applicationaccess", "oauth_dispatch_applicationorganization", "oauth_dispatch_restrictedapplication"]) {
    await em.query(`DELETE FROM ${table} WHERE application_id IN (?)`, [apps]);
  }
  await em.query("DELETE FROM oauth2_provider_application WHERE id IN (?)", [apps]);
}
