import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect } from "chai";

const ROOT = path.resolve(__dirname, "../..");
const DEPCRUISE = path.join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

/** The layer check CI runs (`npm run check:layers`), on a compiled tree (dist/ here; test/fixtures' src/ of .js). */
function checkLayers(cwd: string, dir: string) {
  const r = spawnSync(process.execPath, [DEPCRUISE, dir, "--config", path.join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "err"], { cwd, encoding: "utf8", timeout: 60000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("layers: domain ← services ← workers/producers ← cli/console", () => {
  it("the service's compiled code (dist/, built by the global setup) has no upward import", () => {
    const r = checkLayers(ROOT, "dist");
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.match(/no dependency violations found \((\d{3,}) modules/);
  });

  it("fails on an upward import", () => {
    const r = checkLayers(path.join(__dirname, "../fixtures/upward-import"), "src");
    expect(r.code).to.not.equal(0);
    expect(r.output).to.contain("services-not-upward: src/services/uses-worker.js → src/workers/host.js");
    expect(r.output).to.contain("domain-is-pure: src/domain/rule.js → src/services/uses-worker.js");
  });
});
