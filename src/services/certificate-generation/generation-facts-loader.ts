import type { DataSource } from "typeorm";
import type { CourseKey } from "../../domain/course-key";
import type { GenerationFacts } from "../../domain/certificates/generation-facts";
import { isIdVerified, type IdVerificationRecord } from "../../domain/certificates/id-verification";
import { VERIFICATION_ATTEMPTS } from "../../db/lms-schema/families/generation";
import { lmsSchemaOf } from "../../db/lms-schema/lms-schema-inspector";

interface FactsRow {
  userId: number;
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

interface VerificationRow {
  userId: number;
  source: IdVerificationRecord["source"];
  createdAt: Date;
  updatedAt: Date;
  expiration: Date | null;
}

/**
 * Reads everything the generation rules look at for many learners of one course run, set-based: one query for
 * every learner's facts (`WHERE u.id IN (…)`), plus one for their ID verifications when the IDV requirement is on.
 * No locks: the writer compare-and-sets on what was read. Never reads names or emails.
 */
export class GenerationFactsLoader {
  constructor(
    private readonly ds: DataSource,
    private readonly opts: { idvRequired: boolean; verificationDaysGoodFor: number },
  ) {}

  /** The facts of one learner, or null when the learner does not exist. */
  async load(userId: number, courseKey: CourseKey, now = new Date()): Promise<GenerationFacts | null> {
    return (await this.loadMany([userId], courseKey, now)).get(userId) ?? null;
  }

  /** Facts by user id; a learner that does not exist is absent from the map. */
  async loadMany(userIds: number[], courseKey: CourseKey, now = new Date()): Promise<Map<number, GenerationFacts>> {
    const facts = new Map<number, GenerationFacts>();
    if (userIds.length === 0) return facts;
    const course = courseKey.text;
    const rows: FactsRow[] = await this.ds.query(
      `SELECT
         u.id AS userId,
         EXISTS(SELECT 1 FROM certificates_certificateallowlist a WHERE a.user_id = u.id AND a.course_id = ? AND a.allowlist = 1) AS onAllowlist,
         (SELECT e.mode FROM student_courseenrollment e WHERE e.user_id = u.id AND e.course_id = ?) AS enrollmentMode,
         EXISTS(SELECT 1 FROM certificates_certificateinvalidation i
                  JOIN certificates_generatedcertificate gc ON gc.id = i.generated_certificate_id
                 WHERE gc.user_id = u.id AND gc.course_id = ? AND i.active = 1) AS invalidated,
         EXISTS(SELECT 1 FROM student_courseaccessrole r
                 WHERE r.user_id = u.id AND r.course_id = ? AND r.org = ? AND r.role = 'beta_testers') AS betaTester,
         (SELECT COUNT(*) FROM course_overviews_courseoverview WHERE id = ?) AS overviewExists,
         (SELECT cert_html_view_enabled FROM course_overviews_courseoverview WHERE id = ?) AS certHtmlViewEnabled,
         g.percent_grade AS percentGrade, g.letter_grade AS letterGrade,
         c.id AS certificateId, c.status AS certificateStatus, c.mode AS certificateMode
       FROM auth_user u
       LEFT JOIN grades_persistentcoursegrade g ON g.user_id = u.id AND g.course_id = ?
       LEFT JOIN certificates_generatedcertificate c ON c.user_id = u.id AND c.course_id = ?
       WHERE u.id IN (?)`,
      [course, course, course, course, courseKey.org, course, course, course, course, userIds],
    );
    const verified = this.opts.idvRequired ? await this.idVerified(rows.map((r) => Number(r.userId)), now) : new Set<number>();
    for (const r of rows) {
      const userId = Number(r.userId);
      facts.set(userId, {
        userId,
        courseKey,
        onAllowlist: Number(r.onAllowlist) === 1,
        enrollmentMode: r.enrollmentMode,
        // CourseGradeFactory.read on a persistent grade: passed when it has a letter grade.
        grade: r.percentGrade === null ? null : { percent: Number(r.percentGrade), passed: (r.letterGrade ?? "") !== "" },
        hasActiveInvalidation: Number(r.invalidated) === 1,
        idVerified: verified.has(userId),
        isBetaTester: Number(r.betaTester) === 1,
        courseOverview: Number(r.overviewExists) > 0 ? { certHtmlViewEnabled: Number(r.certHtmlViewEnabled) === 1 } : null,
        certificate: r.certificateId === null ? null : { id: Number(r.certificateId), status: r.certificateStatus ?? "", mode: r.certificateMode ?? "" },
      });
    }
    return facts;
  }

  /**
   * Learners among these with an approved, unexpired verification of any kind, in upstream's order (photo, SSO,
   * manual, attempt) for ties. An LMS older than Sumac has no VerificationAttempt table: upstream's
   * IDVerificationService there reads the other three only, and so does this (no attempt is "no such data").
   */
  private async idVerified(userIds: number[], now: Date): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const withAttempts = (await lmsSchemaOf(this.ds).snapshot()).has(VERIFICATION_ATTEMPTS);
    const rows: VerificationRow[] = await this.ds.query(
      `SELECT user_id AS userId, 'photo' AS source, created_at AS createdAt, updated_at AS updatedAt, expiration_date AS expiration
         FROM verify_student_softwaresecurephotoverification WHERE user_id IN (?) AND status = 'approved'
       UNION ALL
       SELECT user_id, 'sso', created_at, updated_at, expiration_date FROM verify_student_ssoverification WHERE user_id IN (?) AND status = 'approved'
       UNION ALL
       SELECT user_id, 'manual', created_at, updated_at, expiration_date FROM verify_student_manualverification WHERE user_id IN (?) AND status = 'approved'
       ${withAttempts ? "UNION ALL SELECT user_id, 'attempt', created_at, updated_at, expiration_datetime FROM verify_student_verificationattempt WHERE user_id IN (?) AND status = 'approved'" : ""}
       ORDER BY FIELD(source, 'photo', 'sso', 'manual', 'attempt')`,
      withAttempts ? [userIds, userIds, userIds, userIds] : [userIds, userIds, userIds],
    );
    const byUser = new Map<number, IdVerificationRecord[]>();
    for (const r of rows) {
      const list = byUser.get(Number(r.userId)) ?? [];
      list.push({ source: r.source, status: "approved", createdAt: new Date(r.createdAt), updatedAt: new Date(r.updatedAt), expiration: r.expiration ? new Date(r.expiration) : null });
      byUser.set(Number(r.userId), list);
    }
    return new Set([...byUser].filter(([, records]) => isIdVerified(records, now, this.opts.verificationDaysGoodFor)).map(([userId]) => userId));
  }
}
