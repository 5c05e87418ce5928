import type { DataSource } from "typeorm";

export interface DateOverrideListRow {
  id: number;
  certificateId: number;
  userId: number;
  courseId: string;
  date: Date;
  reason: string;
  overriddenById: number;
  modified: Date;
}

/**
 * Existing certificate date overrides (Django admin's CertificateDateOverride list), newest change first, a page at a
 * time, optionally for one learner (user id) and/or one course run. Ids and the course run only, never a name.
 */
export async function listDateOverrides(
  ds: DataSource,
  filter: { userId?: number; courseKey?: string },
  page: { offset: number; size: number },
): Promise<{ rows: DateOverrideListRow[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.userId !== undefined) {
    where.push("c.user_id = ?");
    params.push(filter.userId);
  }
  if (filter.courseKey !== undefined) {
    where.push("c.course_id = ?");
    params.push(filter.courseKey);
  }
  const from = `FROM certificates_certificatedateoverride o JOIN certificates_generatedcertificate c ON c.id = o.generated_certificate_id${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`;
  const [rows, count] = await Promise.all([
    ds.query(
      `SELECT o.id, o.generated_certificate_id, c.user_id, c.course_id, o.date, o.reason, o.overridden_by_id, o.modified ${from}
        ORDER BY o.modified DESC, o.id DESC LIMIT ? OFFSET ?`,
      [...params, page.size, page.offset],
    ) as Promise<Array<Record<string, unknown>>>,
    ds.query(`SELECT COUNT(*) AS n ${from}`, params) as Promise<Array<{ n: number | string }>>,
  ]);
  return {
    rows: rows.map((r) => ({
      id: Number(r.id),
      certificateId: Number(r.generated_certificate_id),
      userId: Number(r.user_id),
      courseId: String(r.course_id),
      date: r.date as Date,
      reason: String(r.reason),
      overriddenById: Number(r.overridden_by_id),
      modified: r.modified as Date,
    })),
    total: Number(count[0]?.n ?? 0),
  };
}
