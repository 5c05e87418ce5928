import type { DataSource, EntityManager } from "typeorm";
import { courseRunOrg } from "../../domain/organizations/organization-keys";
import { drfDateTime, learnerOrgs, type PartnerReportLearner } from "../../domain/retirement/partner-report";
import { affectedRows } from "../../db/affected-rows";

const TABLE = "user_api_userretirementpartnerreportingstatus";

/** Rows a partner report may take: not being processed, or marked so by a run older than `reclaimBefore` (it crashed). */
const TAKEABLE = "(is_being_processed = 0 OR modified < ?)";

/**
 * The LMS's partner reporting queue (user_api UserRetirementPartnerReportingStatus), as the LMS's
 * `AccountRetirementPartnerReportView` reads and empties it: `retirement_partner_report` (take the rows not being
 * processed, mark them) and `retirement_partner_cleanup` (delete reported rows). The rows hold PII by design.
 */
export class PartnerReportingStore {
  constructor(private readonly ds: DataSource) {}

  /** Learners waiting to be reported (not being processed), for the console. */
  async waiting(): Promise<number> {
    const [row] = await this.ds.query(`SELECT COUNT(*) AS n FROM ${TABLE} WHERE is_being_processed = 0`);
    return Number(row.n);
  }

  /** The takeable rows with their orgs, without marking them (a dry run). */
  peek(reclaimBefore: Date): Promise<PartnerReportLearner[]> {
    return this.read(this.ds.manager, reclaimBefore, false);
  }

  /**
   * upstream's `retirement_partner_report`: the takeable rows in id order with each learner's orgs, marked as being
   * processed (and `modified` stamped, so a crashed run's rows can be taken again later) in the same transaction, but
   * only when `accept` returns true: a run that refuses them (an org without partner) leaves the rows as they were.
   */
  async claim(reclaimBefore: Date, accept: (learners: PartnerReportLearner[]) => boolean): Promise<PartnerReportLearner[]> {
    return this.ds.transaction(async (em) => {
      const learners = await this.read(em, reclaimBefore, true);
      if (learners.length === 0 || !accept(learners)) return learners;
      await em.query(`UPDATE ${TABLE} SET is_being_processed = 1, modified = UTC_TIMESTAMP(6) WHERE user_id IN (?)`, [learners.map((l) => l.userId)]);
      return learners;
    });
  }

  /**
   * upstream's `retirement_partner_cleanup` for these learners (by user id, the row's unique key, where upstream
   * matches original usernames): their rows, being processed, are deleted. Returns how many.
   */
  async delete(userIds: readonly number[]): Promise<number> {
    if (userIds.length === 0) return 0;
    return affectedRows(await this.ds.query(`DELETE FROM ${TABLE} WHERE user_id IN (?) AND is_being_processed = 1`, [userIds]));
  }

  /** Rows of a failed delivery go back to the queue for the next run (the LMS admin's "reset_state" action). */
  async release(userIds: readonly number[]): Promise<number> {
    if (userIds.length === 0) return 0;
    return affectedRows(await this.ds.query(`UPDATE ${TABLE} SET is_being_processed = 0 WHERE user_id IN (?) AND is_being_processed = 1`, [userIds]));
  }

  private async read(em: EntityManager, reclaimBefore: Date, lock: boolean): Promise<PartnerReportLearner[]> {
    const rows: Array<{ user_id: number; original_username: string; original_email: string; original_name: string; created: string }> = await em.query(
      `SELECT user_id, original_username, original_email, original_name, DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f') AS created
         FROM ${TABLE} WHERE ${TAKEABLE} ORDER BY id${lock ? " FOR UPDATE" : ""}`,
      [reclaimBefore],
    );
    if (rows.length === 0) return [];
    // The LMS's _get_orgs_for_user: the org of every enrollment's course key, active or not.
    const enrollments: Array<{ user_id: number; course_id: string }> = await em.query(
      "SELECT DISTINCT user_id, course_id FROM student_courseenrollment WHERE user_id IN (?)",
      [rows.map((r) => Number(r.user_id))],
    );
    const orgsOf = new Map<number, Array<string | null>>();
    for (const e of enrollments) orgsOf.set(Number(e.user_id), [...(orgsOf.get(Number(e.user_id)) ?? []), courseRunOrg(e.course_id)]);
    return rows.map((r) => ({
      userId: Number(r.user_id),
      originalUsername: r.original_username,
      originalEmail: r.original_email,
      originalName: r.original_name,
      created: drfDateTime(r.created),
      orgs: learnerOrgs(orgsOf.get(Number(r.user_id)) ?? []),
    }));
  }
}
