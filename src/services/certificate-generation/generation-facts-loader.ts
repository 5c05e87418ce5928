import type { DataSource } from "typeorm";
import type { CourseKey } from "../../domain/course-key";
import type { GenerationFacts } from "../../domain/certificates/generation-facts";
import { isIdVerified, type IdVerificationRecord } from "../../domain/certificates/id-verification";

interface FactsRow {
  userExists: number | string;
  onAllowlist: number | string;
  enrollmentMode: string | null;
  invalidated: number | string;
  betaTester: number | string;
  overviewExists: number | string;
  certHtmlViewEnabled: number | string | null;
  percentGrade: number | null;
  letterGrade: string | null;
  certificateId: number | null;
  certificateStatus: string | null;
  certificateMode: string | null;
}

/**
 * Reads everything the generation rules look at for one (learner, course run) in one round trip (plus one for ID
 * verifications, only when the IDV requirement is on). No locks: the writer compare-and-sets on what was read.
 * Never reads names or emails.
 */
export class GenerationFactsLoader {
  constructor(
    private readonly ds: DataSource,
    private readonly opts: { idvRequired: boolean; verificationDaysGoodFor: number },
  ) {}

  /** The facts, or null when the learner does not exist. */
  async load(userId: number, courseKey: CourseKey, now = new Date()): Promise<GenerationFacts | null> {
    const course = courseKey.text;
    const rows: FactsRow[] = await this.ds.query(
      `SELECT
         (SELECT COUNT(*) FROM auth_user WHERE id = ?) AS userExists,
         EXISTS(SELECT 1 FROM certificates_certificateallowlist WHERE user_id = ? AND course_id = ? AND allowlist = 1) AS onAllowlist,
         (SELECT mode FROM student_courseenrollment WHERE user_id = ? AND course_id = ?) AS enrollmentMode,
         EXISTS(SELECT 1 FROM certificates_certificateinvalidation i
                  JOIN certificates_generatedcertificate gc ON gc.id = i.generated_certificate_id
                 WHERE gc.user_id = ? AND gc.course_id = ? AND i.active = 1) AS invalidated,
         EXISTS(SELECT 1 FROM student_courseaccessrole
                 WHERE user_id = ? AND course_id = ? AND org = ? AND role = 'beta_testers') AS betaTester,
         (SELECT COUNT(*) FROM course_overviews_courseoverview WHERE id = ?) AS overviewExists,
         (SELECT cert_html_view_enabled FROM course_overviews_courseoverview WHERE id = ?) AS certHtmlViewEnabled,
         g.percent_grade AS percentGrade, g.letter_grade AS letterGrade,
         c.id AS certificateId, c.status AS certificateStatus, c.mode AS certificateMode
       FROM (SELECT 1 AS one) AS x
       LEFT JOIN grades_persistentcoursegrade g ON g.user_id = ? AND g.course_id = ?
       LEFT JOIN certificates_generatedcertificate c ON c.user_id = ? AND c.course_id = ?`,
      [userId, userId, course, userId, course, userId, course, userId, course, courseKey.org, course, course, userId, course, userId, course],
    );
    const r = rows[0];
    if (Number(r.userExists) === 0) return null;
    return {
      userId,
      courseKey,
      onAllowlist: Number(r.onAllowlist) === 1,
      enrollmentMode: r.enrollmentMode,
      // CourseGradeFactory.read on a persistent grade: passed when it has a letter grade.
      grade: r.percentGrade === null ? null : { percent: Number(r.percentGrade), passed: (r.letterGrade ?? "") !== "" },
      hasActiveInvalidation: Number(r.invalidated) === 1,
      idVerified: this.opts.idvRequired ? await this.idVerified(userId, now) : false,
      isBetaTester: Number(r.betaTester) === 1,
      courseOverview: Number(r.overviewExists) > 0 ? { certHtmlViewEnabled: Number(r.certHtmlViewEnabled) === 1 } : null,
      certificate: r.certificateId === null ? null : { id: Number(r.certificateId), status: r.certificateStatus ?? "", mode: r.certificateMode ?? "" },
    };
  }

  /** Approved verifications of every kind, in upstream's order (photo, SSO, manual, attempt) for ties. */
  private async idVerified(userId: number, now: Date): Promise<boolean> {
    const rows: Array<{ source: IdVerificationRecord["source"]; createdAt: Date; updatedAt: Date; expiration: Date | null }> = await this.ds.query(
      `SELECT 'photo' AS source, created_at AS createdAt, updated_at AS updatedAt, expiration_date AS expiration
         FROM verify_student_softwaresecurephotoverification WHERE user_id = ? AND status = 'approved'
       UNION ALL
       SELECT 'sso', created_at, updated_at, expiration_date FROM verify_student_ssoverification WHERE user_id = ? AND status = 'approved'
       UNION ALL
       SELECT 'manual', created_at, updated_at, expiration_date FROM verify_student_manualverification WHERE user_id = ? AND status = 'approved'
       UNION ALL
       SELECT 'attempt', created_at, updated_at, expiration_datetime FROM verify_student_verificationattempt WHERE user_id = ? AND status = 'approved'
       ORDER BY FIELD(source, 'photo', 'sso', 'manual', 'attempt')`,
      [userId, userId, userId, userId],
    );
    const records = rows.map((r) => ({ ...r, status: "approved", createdAt: new Date(r.createdAt), updatedAt: new Date(r.updatedAt), expiration: r.expiration ? new Date(r.expiration) : null }));
    return isIdVerified(records, now, this.opts.verificationDaysGoodFor);
  }
}
