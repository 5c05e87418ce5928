import type { DataSource } from "typeorm";
import { DEFAULT_RETIREMENT_STATES } from "../../src/domain/retirement/retirement-states";
import { syncStateTable } from "../../src/services/retirement/retirement-state-table";
import { seedUser } from "./console-fixtures";
import { insertLmsRow } from "../support/lms-seed";

export interface StatusRow {
  state: string;
  responses: string;
}

/** Retirement status rows straight in SQL: the console reads what the LMS and the workers write. */
export class RetirementSeed {
  private n = 0;
  constructor(
    private readonly ds: DataSource,
    private readonly states: Map<string, number>,
  ) {}

  static async create(ds: DataSource, names: string[] = DEFAULT_RETIREMENT_STATES): Promise<RetirementSeed> {
    await syncStateTable(ds, names, { dryRun: false });
    const rows: Array<{ id: number; state_name: string }> = await ds.query("SELECT id, state_name FROM user_api_retirementstate");
    return new RetirementSeed(ds, new Map(rows.map((r) => [r.state_name, Number(r.id)])));
  }

  private step(name: string): string {
    const order = DEFAULT_RETIREMENT_STATES.indexOf(name) * 10 + 1;
    return `${name} (step ${order})`;
  }

  /**
   * A learner whose status row went through `path` (PENDING first), with recognisable original identifiers.
   * `modifiedDaysAgo` places the last change (the completed-per-day chart reads it).
   */
  async learner(path: string[], opts: { pii?: { username: string; email: string; name: string }; note?: string; modifiedDaysAgo?: number } = {}): Promise<{ userId: number; retiredUsername: string; pii: string[] }> {
    const tag = `${Date.now().toString(36)}${++this.n}`;
    const pii = opts.pii ?? { username: `ada_${tag}`, email: `ada_${tag}@example.org`, name: `Ada Byron ${tag}` };
    const userId = await seedUser(this.ds, { username: pii.username, isStaff: false, encoded: "!unusable" });
    let responses = `Created in state ${this.step("PENDING")} by create_retirement`;
    for (let i = 1; i < path.length; i++) responses += `\n Moved from ${this.step(path[i - 1])} to ${this.step(path[i])}:\n${i === path.length - 1 && opts.note ? opts.note : "ok"}\n`;
    const retiredUsername = `retired__user_${tag}`;
    const day = 24 * 3600 * 1000;
    await insertLmsRow(this.ds, "user_api_userretirementstatus", {
      created: new Date(Date.now() - 9 * day), modified: new Date(Date.now() - (opts.modifiedDaysAgo ?? 0) * day),
      original_username: pii.username, original_email: pii.email, original_name: pii.name, retired_username: retiredUsername, retired_email: `${retiredUsername}@retired.invalid`,
      responses, current_state_id: this.states.get(path.at(-1)!), last_state_id: this.states.get(path.at(-2) ?? path[0]), user_id: userId,
    });
    return { userId, retiredUsername, pii: [pii.username, pii.email, pii.name] };
  }

  async row(userId: number): Promise<StatusRow> {
    const [row] = await this.ds.query(
      "SELECT r.state_name AS state, s.responses FROM user_api_userretirementstatus s JOIN user_api_retirementstate r ON r.id = s.current_state_id WHERE s.user_id = ?",
      [userId],
    );
    return row;
  }
}

/** The default pipeline's states up to `state` (the test pipeline has no forums or notes steps). */
export const UP_TO = (state: string) => DEFAULT_RETIREMENT_STATES.slice(0, DEFAULT_RETIREMENT_STATES.indexOf(state) + 1).filter((s) => !s.includes("FORUMS") && !s.includes("NOTES"));
