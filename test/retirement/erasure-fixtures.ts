import type { DataSource } from "typeorm";
import { profileImageNames } from "../../src/domain/retirement/profile-image-names";
import { hex32 } from "../support/fixtures";
import type { LearnerFixture } from "./retirement-fixtures";

/** PROFILE_IMAGE_HASH_SEED of the erasure tests. */
export const IMAGE_SEED = "test-image-seed";
export const IMAGE_SIZES = [500, 120, 50, 30];

export interface ErasureRows {
  username: string;
  email: string;
  name: string;
  externalKey: string;
  enterpriseCustomerId: string;
  entitlementId: number;
  programEnrollmentId: number;
  profileImageKeys: string[];
}

/**
 * A row holding the learner's PII in every table an upstream erasure touches (main and history tables), as the LMS
 * apps write them: the username in credit and consent rows, the email in enterprise and save-for-later rows, the
 * name in verifications and survey answers.
 */
export async function seedErasureRows(ds: DataSource, learner: LearnerFixture): Promise<ErasureRows> {
  const [username, email] = learner.pii;
  const name = learner.pii[4];
  const uid = learner.userId;
  const q = (sql: string, params: unknown[]) => ds.query(sql, params);
  const history = "UTC_TIMESTAMP(6), '+'";

  await q("INSERT INTO wiki_articlerevision (article_id, user_id, ip_address, content, title) VALUES (1, ?, '203.0.113.7', 'text', 'page')", [uid]);
  await q("INSERT INTO wiki_revisionpluginrevision (plugin_id, user_id, ip_address) VALUES (1, ?, '203.0.113.7')", [uid]);

  await q("INSERT INTO credit_creditrequest (uuid, username, parameters, course_id, provider_id) VALUES (?, ?, ?, 1, 1)", [hex32(), username, JSON.stringify({ name, email })]);
  await q(`INSERT INTO credit_historicalcreditrequest (id, uuid, username, parameters, status, history_date, history_type) VALUES (1, ?, ?, ?, 'pending', ${history})`, [hex32(), username, JSON.stringify({ name })]);
  await q("INSERT INTO credit_creditrequirementstatus (username, status, reason, requirement_id) VALUES (?, 'satisfied', ?, 1)", [username, JSON.stringify({ final_grade: 0.9, name })]);
  await q(`INSERT INTO credit_historicalcreditrequirementstatus (id, username, status, reason, history_date, history_type) VALUES (1, ?, 'satisfied', ?, ${history})`, [username, JSON.stringify({ name })]);

  await q("INSERT INTO credit_crediteligibility (username, course_id) VALUES (?, 1)", [username]);

  await q("INSERT INTO api_admin_apiaccessrequest (user_id, website, reason, company_address, company_name) VALUES (?, ?, ?, ?, ?)", [uid, `https://${username}.example.org`, `${name} builds apps`, `1 ${name} Road`, `${name} Ltd`]);
  await q(`INSERT INTO api_admin_historicalapiaccessrequest (id, user_id, website, reason, company_address, company_name, history_date, history_type) VALUES (1, ?, ?, ?, ?, ?, ${history})`, [uid, `https://${username}.example.org`, name, name, name]);

  await q("INSERT INTO social_auth_usersocialauth (user_id, provider, uid, extra_data) VALUES (?, 'google-oauth2', ?, ?)", [uid, email, JSON.stringify({ email, name })]);
  await q(`INSERT INTO support_historicalusersocialauth (id, user_id, provider, uid, extra_data, history_date, history_type) VALUES (77, ?, 'tpa-saml', ?, ?, ${history})`, [uid, email, JSON.stringify({ name })]);

  const externalKey = `EXT-${username}`;
  const [program] = await q("INSERT INTO program_enrollments_programenrollment (user_id, external_user_key, program_uuid, curriculum_uuid, status) VALUES (?, ?, ?, ?, 'enrolled') RETURNING id", [uid, externalKey, hex32(), hex32()]);
  await q(`INSERT INTO program_enrollments_historicalprogramenrollment (id, user_id, external_user_key, program_uuid, curriculum_uuid, status, history_date, history_type) VALUES (?, ?, ?, ?, ?, 'enrolled', ${history})`, [program.id, uid, externalKey, hex32(), hex32()]);

  await q("INSERT INTO survey_surveyanswer (user_id, field_name, field_value, form_id) VALUES (?, 'full_name', ?, 1)", [uid, name]);
  await q("INSERT INTO verify_student_verificationattempt (user_id, name, status) VALUES (?, ?, 'approved')", [uid, name]);
  await q("INSERT INTO nameaffirmation_verifiedname (user_id, verified_name, profile_name, status) VALUES (?, ?, ?, 'approved')", [uid, name, name]);
  await q(`INSERT INTO edx_name_affirmation_historicalverifiedname (id, user_id, verified_name, profile_name, status, history_date, history_type) VALUES (1, ?, ?, ?, 'approved', ${history})`, [uid, name, name]);

  const [entitlement] = await q("INSERT INTO entitlements_courseentitlement (uuid, course_uuid, user_id) VALUES (?, ?, ?) RETURNING id", [hex32(), hex32(), uid]);
  await q("INSERT INTO entitlements_courseentitlementsupportdetail (entitlement_id, support_user_id, comments) VALUES (?, 1, ?)", [entitlement.id, `called ${name} at ${email}`]);

  await q("INSERT INTO verify_student_softwaresecurephotoverification (user_id, name, face_image_url, photo_id_image_url, photo_id_key, receipt_id, status) VALUES (?, ?, ?, ?, 'rsa-key', ?, 'approved')", [uid, name, `https://idv.example.com/face/${username}`, `https://idv.example.com/id/${username}`, hex32()]);
  await q("INSERT INTO verify_student_manualverification (user_id, name, reason, status) VALUES (?, ?, ?, 'approved')", [uid, name, `support ticket from ${email}`]);
  await q("INSERT INTO verify_student_ssoverification (user_id, name, status) VALUES (?, ?, 'approved')", [uid, name]);

  await q("INSERT INTO save_for_later_savedcourse (user_id, email, course_id) VALUES (?, ?, 'course-v1:OrgX+Saved+2026')", [uid, email]);
  await q("INSERT INTO save_for_later_savedprogram (user_id, email, program_uuid) VALUES (NULL, ?, ?)", [email, hex32()]);

  const enterpriseCustomerId = hex32();
  await q("INSERT INTO consent_datasharingconsent (username, granted, course_id, enterprise_customer_id) VALUES (?, 1, 'course-v1:OrgX+Ent+2026', ?)", [username, enterpriseCustomerId]);
  await q(`INSERT INTO consent_historicaldatasharingconsent (id, username, granted, course_id, enterprise_customer_id, history_date, history_type) VALUES (1, ?, 1, 'course-v1:OrgX+Ent+2026', ?, ${history})`, [username, enterpriseCustomerId]);
  const [ecu] = await q("INSERT INTO enterprise_enterprisecustomeruser (enterprise_customer_id, user_id) VALUES (?, ?) RETURNING id", [enterpriseCustomerId, uid]);
  const [ece] = await q("INSERT INTO enterprise_enterprisecourseenrollment (course_id, enterprise_customer_user_id) VALUES ('course-v1:OrgX+Ent+2026', ?) RETURNING id", [ecu.id]);
  await q("INSERT INTO sap_success_factors_sapsuccessfactorslearnerdatatransmission3ce5 (sapsf_user_id, enterprise_course_enrollment_id, course_id) VALUES (?, ?, 'course-v1:OrgX+Ent+2026')", [username, ece.id]);
  await q("INSERT INTO degreed_degreedlearnerdatatransmissionaudit (degreed_user_email, enterprise_course_enrollment_id, course_id) VALUES (?, ?, 'course-v1:OrgX+Ent+2026')", [email, ece.id]);
  await q("INSERT INTO enterprise_pendingenterprisecustomeruser (enterprise_customer_id, user_email) VALUES (?, ?)", [enterpriseCustomerId, email]);
  await q(`INSERT INTO enterprise_historicalpendingenterprisecustomeruser (id, enterprise_customer_id, user_email, history_date, history_type) VALUES (1, ?, ?, ${history})`, [enterpriseCustomerId, email]);

  await q("UPDATE auth_userprofile SET profile_image_uploaded_at = UTC_TIMESTAMP(6) WHERE user_id = ?", [uid]);
  return {
    username,
    email,
    name,
    externalKey,
    enterpriseCustomerId,
    entitlementId: Number(entitlement.id),
    programEnrollmentId: Number(program.id),
    profileImageKeys: profileImageNames(username, IMAGE_SEED, IMAGE_SIZES),
  };
}
