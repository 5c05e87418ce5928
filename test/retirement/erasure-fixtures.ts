import type { DataSource, EntityManager } from "typeorm";
import { profileImageNames } from "../../src/domain/retirement/profile-image-names";
import { hex32 } from "../support/fixtures";
import { insertLmsRow, tableExists, withoutForeignKeyChecks } from "../support/lms-seed";
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
/** Inserts the row unless one with the same first column (its key) is there. */
async function ensureRow(em: EntityManager, table: string, values: Record<string, unknown>): Promise<void> {
  const [key, value] = Object.entries(values)[0];
  if ((await em.query(`SELECT 1 FROM \`${table}\` WHERE \`${key}\` = ?`, [value])).length === 0) await insertLmsRow(em, table, values);
}

export async function seedErasureRows(ds: DataSource, learner: LearnerFixture): Promise<ErasureRows> {
  const [username, email] = learner.pii;
  const name = learner.pii[4];
  const uid = learner.userId;
  const externalKey = `EXT-${username}`;
  const enterpriseCustomerId = hex32();
  const course = "course-v1:OrgX+Ent+2026";
  const now = new Date();
  const history = { history_date: now, history_type: "+" };
  // The rows the erased rows point at (a wiki article, a credit course, the enterprise customer…) exist, as in an LMS;
  // their own parents do not matter here, so they go in with foreign key checks off.
  await withoutForeignKeyChecks(ds, async (em) => {
    await ensureRow(em, "wiki_article", { id: 1 });
    await ensureRow(em, "wiki_articleplugin", { id: 1, article_id: 1 });
    await ensureRow(em, "wiki_revisionplugin", { articleplugin_ptr_id: 1 });
    await ensureRow(em, "credit_creditcourse", { id: 1, course_key: "course-v1:OrgX+Credit+2026", enabled: 1 });
    await ensureRow(em, "credit_creditprovider", { id: 1, provider_id: "hogwarts", display_name: "Hogwarts", active: 1 });
    await ensureRow(em, "credit_creditrequirement", { id: 1, namespace: "grade", name: "grade", display_name: "Grade", criteria: "{}", active: 1, course_id: 1 });
    await ensureRow(em, "django_site", { id: 1, domain: "example.com", name: "example.com" });
    await ensureRow(em, "survey_surveyform", { id: 1, name: "registration", form: "<p/>" });
    await ensureRow(em, "enterprise_enterpriseenrollmentsource", { id: 1, name: "Manual", slug: "manual" });
    await insertLmsRow(em, "enterprise_enterprisecustomer", { uuid: enterpriseCustomerId, name: `Enterprise ${enterpriseCustomerId.slice(0, 6)}`, site_id: 1, customer_type_id: 1, active: 1 });
  });
  const { entitlementId, programEnrollmentId } = await withoutForeignKeyChecks(ds, async (em) => {
    await insertLmsRow(em, "wiki_articlerevision", { article_id: 1, user_id: uid, ip_address: "203.0.113.7", content: "text", title: "page", revision_number: uid });
    await insertLmsRow(em, "wiki_revisionpluginrevision", { plugin_id: 1, user_id: uid, ip_address: "203.0.113.7", revision_number: uid });

    await insertLmsRow(em, "credit_creditrequest", { uuid: hex32(), username, parameters: JSON.stringify({ name, email }), status: "pending", course_id: 1, provider_id: 1 });
    await insertLmsRow(em, "credit_creditrequirementstatus", { username, status: "satisfied", reason: JSON.stringify({ final_grade: 0.9, name }), requirement_id: 1 });
    await insertLmsRow(em, "credit_crediteligibility", { username, course_id: 1, deadline: now });

    await insertLmsRow(em, "api_admin_apiaccessrequest", {
      user_id: uid, status: "pending", site_id: 1, website: `https://${username}.example.org`, reason: `${name} builds apps`, company_address: `1 ${name} Road`, company_name: `${name} Ltd`,
    });

    await insertLmsRow(em, "social_auth_usersocialauth", { user_id: uid, provider: "google-oauth2", uid: email, extra_data: JSON.stringify({ email, name }) });
    await insertLmsRow(em, "support_historicalusersocialauth", { id: 77, user_id: uid, provider: "tpa-saml", uid: email, extra_data: JSON.stringify({ name }), ...history });

    const program = { user_id: uid, external_user_key: externalKey, program_uuid: hex32(), curriculum_uuid: hex32(), status: "enrolled" };
    const programId = await insertLmsRow(em, "program_enrollments_programenrollment", program);
    await insertLmsRow(em, "program_enrollments_historicalprogramenrollment", { id: programId, ...program, program_uuid: hex32(), curriculum_uuid: hex32(), ...history });

    await insertLmsRow(em, "survey_surveyanswer", { user_id: uid, field_name: "full_name", field_value: name, form_id: 1 });
    if (await tableExists(em, "verify_student_verificationattempt")) await insertLmsRow(em, "verify_student_verificationattempt", { user_id: uid, name, status: "approved" });
    await insertLmsRow(em, "nameaffirmation_verifiedname", { user_id: uid, verified_name: name, profile_name: name, status: "approved" });
    await insertLmsRow(em, "edx_name_affirmation_historicalverifiedname", { id: 1, user_id: uid, verified_name: name, profile_name: name, status: "approved", ...history });

    const entitlement = await insertLmsRow(em, "entitlements_courseentitlement", { uuid: hex32(), course_uuid: hex32(), user_id: uid, mode: "verified" });
    await insertLmsRow(em, "entitlements_courseentitlementsupportdetail", { entitlement_id: entitlement, support_user_id: uid, reason: "OTHER", action: "CREATE", comments: `called ${name} at ${email}` });

    await insertLmsRow(em, "verify_student_softwaresecurephotoverification", {
      user_id: uid, name, face_image_url: `https://idv.example.com/face/${username}`, photo_id_image_url: `https://idv.example.com/id/${username}`, photo_id_key: "rsa-key", receipt_id: hex32(), status: "approved",
    });
    await insertLmsRow(em, "verify_student_manualverification", { user_id: uid, name, reason: `support ticket from ${email}`, status: "approved" });
    await insertLmsRow(em, "verify_student_ssoverification", { user_id: uid, name, status: "approved" });

    await insertLmsRow(em, "save_for_later_savedcourse", { user_id: uid, email, course_id: "course-v1:OrgX+Saved+2026" });
    await insertLmsRow(em, "save_for_later_savedprogram", { user_id: null, email, program_uuid: hex32() });

    await insertLmsRow(em, "consent_datasharingconsent", { username, granted: 1, course_id: course, enterprise_customer_id: enterpriseCustomerId });
    await insertLmsRow(em, "consent_historicaldatasharingconsent", { id: 1, username, granted: 1, course_id: course, enterprise_customer_id: enterpriseCustomerId, ...history });
    const ecu = await insertLmsRow(em, "enterprise_enterprisecustomeruser", { enterprise_customer_id: enterpriseCustomerId, user_id: uid, active: 1, linked: 1 });
    const ece = await insertLmsRow(em, "enterprise_enterprisecourseenrollment", { course_id: course, enterprise_customer_user_id: ecu });
    await insertLmsRow(em, "sap_success_factors_sapsuccessfactorslearnerdatatransmission3ce5", { sapsf_user_id: username, enterprise_course_enrollment_id: ece, course_id: course });
    await insertLmsRow(em, "degreed_degreedlearnerdatatransmissionaudit", { degreed_user_email: email, enterprise_course_enrollment_id: ece, course_id: course });
    await insertLmsRow(em, "enterprise_pendingenterprisecustomeruser", { enterprise_customer_id: enterpriseCustomerId, user_email: email });
    await insertLmsRow(em, "enterprise_historicalpendingenterprisecustomeruser", { id: 1, enterprise_customer_id: enterpriseCustomerId, user_email: email, ...history });
    return { entitlementId: entitlement, programEnrollmentId: programId };
  });

  await ds.query("UPDATE auth_userprofile SET profile_image_uploaded_at = UTC_TIMESTAMP(6) WHERE user_id = ?", [uid]);
  return {
    username,
    email,
    name,
    externalKey,
    enterpriseCustomerId,
    entitlementId,
    programEnrollmentId,
    profileImageKeys: profileImageNames(username, IMAGE_SEED, IMAGE_SIZES),
  };
}
