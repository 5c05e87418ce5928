import type { EntityManager } from "typeorm";
import { CERTIFICATE_HISTORY } from "../../db/lms-schema/families/generation";
import { lmsSchemaOf } from "../../db/lms-schema/lms-schema-inspector";

type HistoryType = "+" | "~" | "-";

const CERTIFICATE_COLUMNS = "id, course_id, verify_uuid, download_uuid, download_url, grade, `key`, distinction, status, mode, name, created_date, modified_date, error_reason, user_id";

/**
 * A django-simple-history row for a certificate: a copy of every field of the row as it now is, plus history_date,
 * history_type ('+' create, '~' change), no change reason and no history user (a batch, not a person, made it).
 * Copied in SQL inside the writer's transaction, so the learner's name never passes through this process. An LMS
 * without the history table (an optional one, see the LMS schema registry) gets no history row.
 */
export async function writeCertificateHistory(m: EntityManager, certificateId: number, type: HistoryType, at: Date, historyUserId: number | null = null): Promise<void> {
  await writeCertificateHistories(m, [certificateId], type, at, historyUserId);
}

/** The same for many certificates in one statement (batched generation). */
export async function writeCertificateHistories(m: EntityManager, certificateIds: number[], type: HistoryType, at: Date, historyUserId: number | null = null): Promise<void> {
  if (certificateIds.length === 0 || !(await lmsSchemaOf(m.connection).snapshot(m)).has(CERTIFICATE_HISTORY)) return;
  await m.query(
    `INSERT INTO certificates_historicalgeneratedcertificate
       (${CERTIFICATE_COLUMNS}, history_date, history_change_reason, history_type, history_user_id)
     SELECT ${CERTIFICATE_COLUMNS}, ?, NULL, ?, ?
       FROM certificates_generatedcertificate WHERE id IN (?) ORDER BY id`,
    [at, type, historyUserId, certificateIds],
  );
}
