import type { DataSource, EntityManager } from "typeorm";
import type { RetirementConfig } from "../../config";
import { LMS_SCHEMA_REGISTRY } from "../../db/lms-schema/lms-schema-registry";
import { lmsSchemaOf } from "../../db/lms-schema/lms-schema-inspector";
import { LmsFamily, type LmsTableUse } from "../../db/lms-schema/lms-table-use";
import { LMS_ERASURES, erasureTables, type ErasurePhase, type LmsErasure } from "./lms-erasures";
import type { LearnerStatus } from "./retirement-status-store";

/** The retirement family's uses of each table, from the LMS schema registry. */
const RETIREMENT_USES = new Map<string, LmsTableUse[]>();
for (const use of LMS_SCHEMA_REGISTRY[LmsFamily.Retirement]) RETIREMENT_USES.set(use.table, [...(RETIREMENT_USES.get(use.table) ?? []), use]);

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
 * Runs the upstream erasures of a phase inside the step's transaction. Which tables this LMS has comes from the
 * process's one information_schema read (the LMS schema registry's snapshot, which the worker's start check makes
 * and logs): an operator's LMS may lack enterprise, wiki or other apps (or an app's simple-history table), and a
 * missing table must neither fail every learner nor go unnoticed (the step's response names what was skipped).
 */
export class LmsErasureRunner {
  constructor(
    private readonly ds: DataSource,
    private readonly retirement: Pick<RetirementConfig, "salts">,
    private readonly erasures: readonly LmsErasure[] = LMS_ERASURES,
  ) {}

  /**
   * The plan from the cached snapshot. Inside a step's transaction, pass its `em`: a first read then runs on the
   * connection the caller already holds (a second pooled connection there deadlocked a worker whose jobs all opened
   * their transactions at once).
   */
  async load(em?: EntityManager): Promise<ErasurePlan> {
    const snapshot = await lmsSchemaOf(this.ds).snapshot(em);
    // A table counts as present when it has every column the registry lists for retirement (an older app version
    // without one is skipped like a missing app); a table the registry does not list is never read.
    const declared = new Set(this.erasures.filter((e) => e.operatorDeclared).flatMap((e) => e.tables));
    const present = new Set(erasureTables(this.erasures).filter((t) => declared.has(t) || (RETIREMENT_USES.has(t) && RETIREMENT_USES.get(t)!.every((use) => snapshot.has(use)))));
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
