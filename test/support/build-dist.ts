import { execFileSync } from "node:child_process";
import path from "node:path";

/**
 * Mocha global setup: compiles dist/ once per run (`npm run build`), so tests that start the real CLI as a child
 * process (bin/openedx-workers.js runs dist/) run the code under test, never a stale build.
 */
export function mochaGlobalSetup(): void {
  try {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: path.resolve(__dirname, "../.."), stdio: "pipe" });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build failed; the tests that start the CLI need dist/:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}
