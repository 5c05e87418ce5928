import type { DataSource, EntityManager } from "typeorm";
import type { RetirementConfig } from "../../config";
import type { Logger } from "../../logging/logger";
import { LMS_ERASURES, erasureTables, type ErasurePhase, type LmsErasure } from "./lms-erasures";
import type { LearnerStatus } from "./retirement-status-store";

interface ErasurePlan {
  /** Erasures whose tables all exist, in order. */
  active: LmsErasure[];
  /** Erasures skipped because the operator's LMS lacks some of their tables (the app is not installed). */
  skipped: Array<{ erasure: LmsErasure; missing: string[] }>;
  /** History tables of active erasures that this LMS lacks: only their redaction is skipped. */
  missingHistory: string[];
  /** Every erasure table this LMS has. */
  present: ReadonlySet<string>;
}

/**
 * Runs the upstream erasures of a phase inside the step's transaction. Which apps' tables exist is read from
 * information_schema once per process (the first retirement step after start) and reported once in the log:
 * an operator's LMS may lack enterprise, wiki or other apps (or an app's simple-history table), and a missing table
 * must neither fail every learner nor go unnoticed.
 */
export class LmsErasureRunner {
  private plan?: Promise<ErasurePlan>;

  constructor(
    private readonly ds: DataSource,
    private readonly retirement: Pick<RetirementConfig, "salts">,
    private readonly logger: Logger,
    private readonly erasures: readonly LmsErasure[] = LMS_ERASURES,
  ) {}

  /**
   * The plan, computed once; a failed lookup is retried by the next call. Inside a step's transaction, pass its
   * `em`: the lookup then runs on the connection the caller already holds. Taking a second pooled connection there
   * deadlocked a worker whose jobs all opened their transactions at once (every connection held, each waiting for one).
   */
  async load(em?: EntityManager): Promise<ErasurePlan> {
    this.plan ??= this.computePlan(em ?? this.ds.manager).catch((err) => {
      this.plan = undefined;
      throw err;
    });
    return this.plan;
  }

  private async computePlan(em: EntityManager): Promise<ErasurePlan> {
    const wanted = erasureTables(this.erasures);
    const rows: Array<{ name: string }> = await em.query(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)",
      [wanted],
    );
    const present = new Set(rows.map((r) => r.name));
    const plan: ErasurePlan = { active: [], skipped: [], missingHistory: [], present };
    for (const erasure of this.erasures) {
      const missing = erasure.tables.filter((t) => !present.has(t));
      if (missing.length > 0) {
        plan.skipped.push({ erasure, missing });
        continue;
      }
      plan.active.push(erasure);
      plan.missingHistory.push(...erasure.historyTables.filter((t) => !present.has(t)));
    }
    if (plan.skipped.length > 0) {
      this.logger.warn("LMS erasures skipped: their tables do not exist in this database (app not installed)", {
        skipped: plan.skipped.map((s) => `${s.erasure.name} (missing ${s.missing.join(", ")})`),
      });
    }
    if (plan.missingHistory.length > 0) {
      this.logger.warn("LMS history tables absent: their redaction is skipped, the erasures still run", { missing: plan.missingHistory });
    }
    if (plan.skipped.length === 0 && plan.missingHistory.length === 0) {
      this.logger.info("every LMS erasure table is present", { erasures: plan.active.length });
    }
    return plan;
  }

  /**
   * Applies every active erasure of the phase to these learners (one statement per table for all of them); returns
   * the names of the erasures skipped for missing tables (for the steps' responses).
   */
  async run(em: EntityManager, learners: readonly LearnerStatus[], phase: ErasurePhase): Promise<string[]> {
    const plan = await this.load(em);
    const context = { learners, retirement: this.retirement, present: plan.present };
    for (const erasure of await this.withRows(em, plan.active.filter((e) => e.phase === phase), context)) await erasure.apply({ em, ...context });
    return plan.skipped.filter((s) => s.erasure.phase === phase).map((s) => s.erasure.name);
  }

  /**
   * The erasures with something to change for these learners, found with ONE query of every erasure's probe. Read
   * in the step's transaction, after it locked the learners' status rows; a row the LMS adds after this read is the
   * same as one added just after the erasure's own statement (upstream has that window too).
   */
  private async withRows(em: EntityManager, erasures: LmsErasure[], context: Parameters<LmsErasure["probe"]>[0]): Promise<LmsErasure[]> {
    const conditions = erasures.map((e) => e.probe(context));
    const columns = conditions.map((list, i) => (list.length === 0 ? `0 AS p${i}` : `(${list.map((c) => c.sql).join(" OR ")}) AS p${i}`));
    if (columns.length === 0) return [];
    const [row] = await em.query(`SELECT ${columns.join(", ")}`, conditions.flatMap((list) => list.flatMap((c) => c.params)));
    return erasures.filter((_, i) => Number(row[`p${i}`]) === 1);
  }
}
