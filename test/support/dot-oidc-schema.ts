/**
 * django-oauth-toolkit's OpenID Connect tables on top of the 2023-02 LMS schema (which has DOT's migrations 0001-0002,
 * DOT 1.3.2): what an LMS of Quince or later has after DOT's 0003_auto_20201211_1314 and 0004_auto_20200902_2022
 * (jazzband/django-oauth-toolkit, oauth2_provider/migrations/; 0005 changes only related names, no SQL). The statements
 * are Django's own for MySQL, as `manage.py sqlmigrate oauth2_provider 0003` and `… 0004` print them with DOT 1.7.1
 * (the release edx-platform pinned from late 2023) and Django 3.2; constraint names are Django's digests.
 */
export const DOT_OIDC_MIGRATIONS: readonly string[] = [
  // 0003: Alter field redirect_uri on grant
  "ALTER TABLE `oauth2_provider_grant` MODIFY `redirect_uri` longtext NOT NULL",
  // 0004: Add field algorithm to application
  "ALTER TABLE `oauth2_provider_application` ADD COLUMN `algorithm` varchar(5) DEFAULT '' NOT NULL",
  "ALTER TABLE `oauth2_provider_application` ALTER COLUMN `algorithm` DROP DEFAULT",
  // 0004: Create model IDToken
  "CREATE TABLE `oauth2_provider_idtoken` (`id` bigint AUTO_INCREMENT NOT NULL PRIMARY KEY, `jti` char(32) NOT NULL UNIQUE, `expires` datetime(6) NOT NULL, `scope` longtext NOT NULL, `created` datetime(6) NOT NULL, `updated` datetime(6) NOT NULL, `application_id` bigint NULL, `user_id` integer NULL)",
  // 0004: Add field id_token to accesstoken
  "ALTER TABLE `oauth2_provider_accesstoken` ADD COLUMN `id_token_id` bigint NULL UNIQUE , ADD CONSTRAINT `oauth2_provider_acce_id_token_id_85db651b_fk_oauth2_pr` FOREIGN KEY (`id_token_id`) REFERENCES `oauth2_provider_idtoken`(`id`)",
  // 0004: Add field nonce to grant
  "ALTER TABLE `oauth2_provider_grant` ADD COLUMN `nonce` varchar(255) DEFAULT '' NOT NULL",
  "ALTER TABLE `oauth2_provider_grant` ALTER COLUMN `nonce` DROP DEFAULT",
  // 0004: Add field claims to grant
  "ALTER TABLE `oauth2_provider_grant` ADD COLUMN `claims` longtext DEFAULT '' NOT NULL",
  "ALTER TABLE `oauth2_provider_grant` ALTER COLUMN `claims` DROP DEFAULT",
  // 0004: the IDToken's foreign keys, which Django adds after the table
  "ALTER TABLE `oauth2_provider_idtoken` ADD CONSTRAINT `oauth2_provider_idto_application_id_08c5ff4f_fk_oauth2_pr` FOREIGN KEY (`application_id`) REFERENCES `oauth2_provider_application` (`id`)",
  "ALTER TABLE `oauth2_provider_idtoken` ADD CONSTRAINT `oauth2_provider_idtoken_user_id_dd512b59_fk_auth_user_id` FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)",
];
