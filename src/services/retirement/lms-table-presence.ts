import type { EntityManager } from "typeorm";

/**
 * Which of a fixed set of LMS tables this database has, read from information_schema once (per instance) and kept:
 * tables that only some releases or some installations have (simple-history tables, django-oauth-toolkit 2's
 * IDToken, a deprecated oauth_dispatch model) are skipped where absent instead of failing the work.
 * Pass the caller's `em` inside a transaction, so the lookup runs on the connection it already holds.
 */
export class LmsTablePresence {
  private present?: Promise<ReadonlySet<string>>;

  constructor(private readonly tables: readonly string[]) {}

  async load(em: EntityManager): Promise<ReadonlySet<string>> {
    this.present ??= em
      .query("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)", [this.tables])
      .then((rows: Array<{ name: string }>) => new Set(rows.map((r) => r.name)))
      .catch((err: unknown) => {
        this.present = undefined;
        throw err;
      });
    return this.present;
  }
}
