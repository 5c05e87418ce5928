import type { DataSource } from "typeorm";

/**
 * openedx/core/djangoapps/credentials/models.py `CredentialsApiConfig.current().is_learner_issuance_enabled`: the
 * newest credentials_credentialsapiconfig row (by change_date, as django-config-models' current()) has `enabled`
 * and `enable_learner_issuance`; no row at all is the model's defaults, both off. Read fresh each time: a send
 * happens once per certificate change, and an operator who turns issuance back on expects the next try to see it.
 */
export async function isLearnerIssuanceEnabled(ds: DataSource): Promise<boolean> {
  const rows: Array<{ enabled: number; enable_learner_issuance: number }> = await ds.query(
    `SELECT enabled, enable_learner_issuance FROM credentials_credentialsapiconfig ORDER BY change_date DESC, id DESC LIMIT 1`,
  );
  return rows.length > 0 && Number(rows[0].enabled) === 1 && Number(rows[0].enable_learner_issuance) === 1;
}
