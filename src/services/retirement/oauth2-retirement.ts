import type { EntityManager } from "typeorm";

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
 * The end state equals the ORM's; the links are cleared first so that no foreign key is ever left dangling.
 * django-oauth-toolkit's IDToken (OpenID Connect; a table the 2023-02 schema does not have) is not handled: an ID token issued to
 * an application the learner owns makes the database refuse the application's deletion, and the request fails whole.
 */
export async function retireDotOauth2Models(em: EntityManager, userId: number): Promise<void> {
  const apps = idsOf(await em.query("SELECT id FROM oauth2_provider_application WHERE user_id = ? FOR UPDATE", [userId]));
  const ofUserOrApps = apps.length === 0 ? { sql: "user_id = ?", params: [userId] } : { sql: "(user_id = ? OR application_id IN (?))", params: [userId, apps] };
  const accessTokens = idsOf(await em.query(`SELECT id FROM oauth2_provider_accesstoken WHERE ${ofUserOrApps.sql} FOR UPDATE`, ofUserOrApps.params));
  const refreshTokens = idsOf(await em.query(`SELECT id FROM oauth2_provider_refreshtoken WHERE ${ofUserOrApps.sql} FOR UPDATE`, ofUserOrApps.params));

  if (accessTokens.length > 0) await em.query("UPDATE oauth2_provider_refreshtoken SET access_token_id = NULL WHERE access_token_id IN (?)", [accessTokens]);
  if (refreshTokens.length > 0) {
    await em.query("UPDATE oauth2_provider_accesstoken SET source_refresh_token_id = NULL WHERE source_refresh_token_id IN (?)", [refreshTokens]);
  }
  if (accessTokens.length > 0) await em.query("DELETE FROM oauth2_provider_accesstoken WHERE id IN (?)", [accessTokens]);
  if (refreshTokens.length > 0) await em.query("DELETE FROM oauth2_provider_refreshtoken WHERE id IN (?)", [refreshTokens]);
  await em.query(`DELETE FROM oauth2_provider_grant WHERE ${ofUserOrApps.sql}`, ofUserOrApps.params);
  if (apps.length === 0) return;
  for (const table of ["oauth_dispatch_applicationaccess", "oauth_dispatch_applicationorganization", "oauth_dispatch_restrictedapplication"]) {
    await em.query(`DELETE FROM ${table} WHERE application_id IN (?)`, [apps]);
  }
  await em.query("DELETE FROM oauth2_provider_application WHERE id IN (?)", [apps]);
}
