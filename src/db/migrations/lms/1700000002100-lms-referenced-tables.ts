import { tablesMigration } from "./create-tables";

/**
 * The LMS tables that the tables of the other files point at with foreign keys, which the workers do not read:
 * cohorts (course_groups_courseusergroup, the cohort of an unregistered learner's assignment), credit courses,
 * providers and requirements, edx-enterprise's customers, invite keys, customer types and enrollment sources,
 * entitlement policies, integrated channels' API response records, survey forms, and django-wiki's articles and
 * plugins (django_site, which some of them point at, comes with the certificate signals' tables). With them the standalone schema keeps every foreign key edx-platform has, so a row that a
 * real LMS would refuse is refused here too.
 *
 * Each statement is edx-platform's table as mysqldump printed it in the reference schema (edx-platform master of
 * 2023-02-21, docs/lms-schema.md), AUTO_INCREMENT counters left out; tables added upstream since come from
 * later-tables.ts. test/db/lms-schema-parity.test.ts compares every table with edx-platform's. Standalone use only
 * (`migrate --with-lms-schema`): on a real LMS database these tables already exist.
 */
const TABLES: string[] = [
  `CREATE TABLE \`course_groups_courseusergroup\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`name\` varchar(255) NOT NULL,
  \`course_id\` varchar(255) NOT NULL,
  \`group_type\` varchar(20) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`course_groups_courseusergroup_name_course_id_b767231d_uniq\` (\`name\`,\`course_id\`),
  KEY \`course_groups_courseusergroup_course_id_902aea4c\` (\`course_id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`credit_creditcourse\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`course_key\` varchar(255) NOT NULL,
  \`enabled\` tinyint(1) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`course_key\` (\`course_key\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`credit_creditprovider\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`provider_id\` varchar(255) NOT NULL,
  \`active\` tinyint(1) NOT NULL,
  \`display_name\` varchar(255) NOT NULL,
  \`enable_integration\` tinyint(1) NOT NULL,
  \`provider_url\` varchar(200) NOT NULL,
  \`provider_status_url\` varchar(200) NOT NULL,
  \`provider_description\` longtext NOT NULL,
  \`fulfillment_instructions\` longtext,
  \`eligibility_email_message\` longtext NOT NULL,
  \`receipt_email_message\` longtext NOT NULL,
  \`thumbnail_url\` varchar(255) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`provider_id\` (\`provider_id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`credit_creditrequirement\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`namespace\` varchar(255) NOT NULL,
  \`name\` varchar(255) NOT NULL,
  \`display_name\` varchar(255) NOT NULL,
  \`criteria\` longtext NOT NULL,
  \`active\` tinyint(1) NOT NULL,
  \`course_id\` int(11) NOT NULL,
  \`sort_value\` int(10) unsigned NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`credit_creditrequirement_namespace_name_course_id_87c301e6_uniq\` (\`namespace\`,\`name\`,\`course_id\`),
  KEY \`credit_creditrequire_course_id_b6aa812a_fk_credit_cr\` (\`course_id\`),
  CONSTRAINT \`credit_creditrequire_course_id_b6aa812a_fk_credit_cr\` FOREIGN KEY (\`course_id\`) REFERENCES \`credit_creditcourse\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`enterprise_enterprisecustomer\` (
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`uuid\` char(32) NOT NULL,
  \`name\` varchar(255) NOT NULL,
  \`slug\` varchar(30) NOT NULL,
  \`active\` tinyint(1) NOT NULL,
  \`country\` varchar(2) DEFAULT NULL,
  \`hide_course_original_price\` tinyint(1) NOT NULL,
  \`enable_data_sharing_consent\` tinyint(1) NOT NULL,
  \`enforce_data_sharing_consent\` varchar(25) NOT NULL,
  \`enable_audit_enrollment\` tinyint(1) NOT NULL,
  \`enable_audit_data_reporting\` tinyint(1) NOT NULL,
  \`replace_sensitive_sso_username\` tinyint(1) NOT NULL,
  \`enable_autocohorting\` tinyint(1) NOT NULL,
  \`enable_portal_code_management_screen\` tinyint(1) NOT NULL,
  \`enable_portal_reporting_config_screen\` tinyint(1) NOT NULL,
  \`enable_portal_subscription_management_screen\` tinyint(1) NOT NULL,
  \`enable_learner_portal\` tinyint(1) NOT NULL,
  \`contact_email\` varchar(254) DEFAULT NULL,
  \`customer_type_id\` int(11) NOT NULL,
  \`site_id\` int(11) NOT NULL,
  \`enable_slug_login\` tinyint(1) NOT NULL,
  \`enable_portal_saml_configuration_screen\` tinyint(1) NOT NULL,
  \`default_contract_discount\` decimal(8,5) DEFAULT NULL,
  \`enable_analytics_screen\` tinyint(1) NOT NULL,
  \`enable_integrated_customer_learner_portal_search\` tinyint(1) NOT NULL,
  \`default_language\` varchar(25) DEFAULT NULL,
  \`enable_portal_lms_configurations_screen\` tinyint(1) NOT NULL,
  \`sender_alias\` varchar(255) DEFAULT NULL,
  \`reply_to\` varchar(254) DEFAULT NULL,
  \`hide_labor_market_data\` tinyint(1) NOT NULL,
  \`enable_universal_link\` tinyint(1) NOT NULL,
  \`enable_browse_and_request\` tinyint(1) NOT NULL,
  \`enable_learner_portal_offers\` tinyint(1) NOT NULL,
  \`enable_portal_learner_credit_management_screen\` tinyint(1) NOT NULL,
  \`enable_executive_education_2U_fulfillment\` tinyint(1) NOT NULL,
  PRIMARY KEY (\`uuid\`),
  UNIQUE KEY \`slug\` (\`slug\`),
  KEY \`enterprise_enterpris_customer_type_id_4b1ee315_fk_enterpris\` (\`customer_type_id\`),
  KEY \`enterprise_enterprisecustomer_site_id_947ed084_fk_django_site_id\` (\`site_id\`),
  CONSTRAINT \`enterprise_enterpris_customer_type_id_4b1ee315_fk_enterpris\` FOREIGN KEY (\`customer_type_id\`) REFERENCES \`enterprise_enterprisecustomertype\` (\`id\`),
  CONSTRAINT \`enterprise_enterprisecustomer_site_id_947ed084_fk_django_site_id\` FOREIGN KEY (\`site_id\`) REFERENCES \`django_site\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`enterprise_enterprisecustomerinvitekey\` (
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`is_removed\` tinyint(1) NOT NULL,
  \`uuid\` char(32) NOT NULL,
  \`usage_limit\` int(10) unsigned NOT NULL,
  \`expiration_date\` datetime(6) NOT NULL,
  \`enterprise_customer_id\` char(32) NOT NULL,
  \`is_active\` tinyint(1) NOT NULL,
  PRIMARY KEY (\`uuid\`),
  KEY \`enterprise_enterpris_enterprise_customer__2d339ecc_fk_enterpris\` (\`enterprise_customer_id\`),
  CONSTRAINT \`enterprise_enterpris_enterprise_customer__2d339ecc_fk_enterpris\` FOREIGN KEY (\`enterprise_customer_id\`) REFERENCES \`enterprise_enterprisecustomer\` (\`uuid\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`enterprise_enterprisecustomertype\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`name\` varchar(25) NOT NULL,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`enterprise_enterpriseenrollmentsource\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`name\` varchar(64) NOT NULL,
  \`slug\` varchar(30) NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`slug\` (\`slug\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`entitlements_courseentitlementpolicy\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`expiration_period\` bigint(20) NOT NULL,
  \`refund_period\` bigint(20) NOT NULL,
  \`regain_period\` bigint(20) NOT NULL,
  \`site_id\` int(11) DEFAULT NULL,
  \`mode\` varchar(32) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`entitlements_coursee_site_id_c7a9e107_fk_django_si\` (\`site_id\`),
  CONSTRAINT \`entitlements_coursee_site_id_c7a9e107_fk_django_si\` FOREIGN KEY (\`site_id\`) REFERENCES \`django_site\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`integrated_channel_apiresponserecord\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`status_code\` int(10) unsigned DEFAULT NULL,
  \`body\` longtext,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`survey_surveyform\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`name\` varchar(255) NOT NULL,
  \`form\` longtext NOT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`name\` (\`name\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`wiki_article\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`created\` datetime(6) NOT NULL,
  \`modified\` datetime(6) NOT NULL,
  \`group_read\` tinyint(1) NOT NULL,
  \`group_write\` tinyint(1) NOT NULL,
  \`other_read\` tinyint(1) NOT NULL,
  \`other_write\` tinyint(1) NOT NULL,
  \`current_revision_id\` int(11) DEFAULT NULL,
  \`group_id\` int(11) DEFAULT NULL,
  \`owner_id\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`current_revision_id\` (\`current_revision_id\`),
  KEY \`wiki_article_group_id_bf035c83_fk_auth_group_id\` (\`group_id\`),
  KEY \`wiki_article_owner_id_956bc94a_fk_auth_user_id\` (\`owner_id\`),
  CONSTRAINT \`wiki_article_current_revision_id_fc83ea0a_fk_wiki_arti\` FOREIGN KEY (\`current_revision_id\`) REFERENCES \`wiki_articlerevision\` (\`id\`),
  CONSTRAINT \`wiki_article_group_id_bf035c83_fk_auth_group_id\` FOREIGN KEY (\`group_id\`) REFERENCES \`auth_group\` (\`id\`),
  CONSTRAINT \`wiki_article_owner_id_956bc94a_fk_auth_user_id\` FOREIGN KEY (\`owner_id\`) REFERENCES \`auth_user\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`wiki_articleplugin\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`deleted\` tinyint(1) NOT NULL,
  \`created\` datetime(6) NOT NULL,
  \`article_id\` int(11) NOT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`wiki_articleplugin_article_id_9ab0e854_fk_wiki_article_id\` (\`article_id\`),
  CONSTRAINT \`wiki_articleplugin_article_id_9ab0e854_fk_wiki_article_id\` FOREIGN KEY (\`article_id\`) REFERENCES \`wiki_article\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
  `CREATE TABLE \`wiki_revisionplugin\` (
  \`articleplugin_ptr_id\` int(11) NOT NULL,
  \`current_revision_id\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`articleplugin_ptr_id\`),
  UNIQUE KEY \`current_revision_id\` (\`current_revision_id\`),
  CONSTRAINT \`wiki_revisionplugin_articleplugin_ptr_id_95c295f2_fk_wiki_arti\` FOREIGN KEY (\`articleplugin_ptr_id\`) REFERENCES \`wiki_articleplugin\` (\`id\`),
  CONSTRAINT \`wiki_revisionplugin_current_revision_id_46514536_fk_wiki_revi\` FOREIGN KEY (\`current_revision_id\`) REFERENCES \`wiki_revisionpluginrevision\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`,
];

export const LmsReferencedTables1700000002100 = tablesMigration("LmsReferencedTables1700000002100", TABLES);
