import type { DataSource } from "typeorm";

/** More matches than this are not a look-up any more; the page asks for a more exact value. */
const MAX_MATCHES = 20;

/**
 * The learners whose retirement status row has exactly this original username or original email (the columns
 * upstream's UserRetirementStatusAdmin searches, user_api/admin.py `search_fields`), or, for digits, this user id.
 * Compared with the columns' collation (case-insensitive, as the LMS compares usernames and emails). Returns user
 * ids only: the value is used for this query and nothing else, and no original identifier leaves this function.
 */
export async function findRetirementsByIdentifier(ds: DataSource, value: string): Promise<number[]> {
  const byUserId = /^\d{1,10}$/.test(value) && Number(value) <= 2 ** 31 - 1;
  const rows: Array<{ user_id: number }> = await ds.query(
    `SELECT user_id FROM user_api_userretirementstatus WHERE original_username = ? OR original_email = ?${byUserId ? " OR user_id = ?" : ""}
      ORDER BY user_id LIMIT ${MAX_MATCHES + 1}`,
    byUserId ? [value, value, Number(value)] : [value, value],
  );
  return rows.map((r) => Number(r.user_id));
}

export const LOOKUP_MAX_MATCHES = MAX_MATCHES;
