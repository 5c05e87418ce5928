import { execFileSync } from "node:child_process";
import path from "node:path";

/**
 * Mocha global setup: compiles dist/ once per run (`npm run build`), so tests that start the real CLI as a child
 * process (bin/openedx-workers.js runs dist/) run the code under test, never a stale build.
 *
 * TEST_DIST_PREBUILT=1 skips it: .ci/run builds dist/ once, then runs two mocha processes at once (the default and
 * the real-LMS-schema mode), and a build in one (`rm -rf dist` first) would pull dist/ from under the other's CLIs.
 */
export function mochaGlobalSetup(): void {
  if (process.env.TEST_DIST_PREBUILT === "1") return;
  try {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: path.resolve(__dirname, "../.."), stdio: "pipe" });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build failed; the tests that start the CLI need dist/:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}
