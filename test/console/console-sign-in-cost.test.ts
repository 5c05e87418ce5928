import { expect } from "chai";
import { makeDjangoPassword } from "../../src/services/auth/django-password";
import { Harness } from "../support/harness";
import { ConsoleClient, seedUser, startConsole, type RunningConsole } from "./console-fixtures";

/** A work factor where the password check, not the HTTP round trip, is most of a sign-in's time. */
const ITERATIONS = 200_000;
const TRIES = 20;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[Math.floor((sorted.length - 1) / 2)] + sorted[Math.ceil((sorted.length - 1) / 2)]) / 2;
}

/**
 * The one timing assertion issue 22 asks for: a refused sign-in costs the same for an unknown username, an account
 * with an unusable (`!…`) password and a real account with a wrong password (median of 20 tries each within 30 %).
 */
describe("console: equal sign-in cost for unknown users, unusable passwords and real ones", function () {
  this.timeout(240000);
  let h: Harness;
  let con: RunningConsole;

  before(async () => {
    h = await Harness.create();
    await seedUser(h.ds, { username: "real-staff", encoded: await makeDjangoPassword("the-password", { iterations: ITERATIONS }) });
    await seedUser(h.ds, { username: "unusable-staff", encoded: "!Xk3unusablepasswordXk3unusablepassword12" });
    await seedUser(h.ds, { username: "foreign-hash", encoded: "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$aGFzaA" });
    con = await startConsole(h);
  });
  after(async () => {
    await con?.close();
    await h?.close();
  });

  it("median of 20 refused sign-ins each within 30 % of each other", async () => {
    const kinds = { unknown: "no-such-staff", unusable: "unusable-staff", foreign: "foreign-hash", real: "real-staff" } as const;
    type Kind = keyof typeof kinds;
    const attempt = async (username: string) => {
      const c = new ConsoleClient(con.url);
      const _csrf = await c.formToken("/login");
      const started = performance.now();
      const res = await c.request("POST", "/login", { form: { username, password: "wrong-password", _csrf } });
      const ms = performance.now() - started;
      expect(res.status, username).to.equal(401);
      return ms;
    };
    const measure = async () => {
      const times: Record<Kind, number[]> = { unknown: [], unusable: [], foreign: [], real: [] };
      for (let i = 0; i < TRIES; i++) {
        // Interleaved in a new order each round, so a busy moment of the (shared) machine falls on every kind alike.
        const order = (Object.keys(kinds) as Kind[]).sort(() => Math.random() - 0.5);
        for (const kind of order) times[kind].push(await attempt(kinds[kind]));
      }
      const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v))])) as Record<Kind, number>;
      return { medians, ratio: Math.max(...Object.values(medians)) / Math.min(...Object.values(medians)) };
    };
    await attempt("warm-up");
    // Measured again (up to three times) only when a measurement is off: on a loaded shared machine other processes
    // skew a run by 30 % now and then, while a real difference (a skipped hash: ~1 ms against ~100 ms) fails all three.
    let result = await measure();
    for (let again = 0; again < 2 && result.ratio > 1.3; again++) result = await measure();
    expect(result.ratio, `medians (ms): ${JSON.stringify(result.medians)}`).to.be.at.most(1.3);
  });
});
