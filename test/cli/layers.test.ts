import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { registryTables } from "../../src/db/lms-schema/lms-schema-registry";
import { unregisteredLmsTables } from "../support/lms-schema-sources";

const ROOT = path.resolve(__dirname, "../..");
const DEPCRUISE = path.join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

/** The layer check CI runs (`npm run check:layers`), on a TypeScript tree: the service's src/ or a fixture's. */
function checkLayers(cwd: string) {
  const r = spawnSync(process.execPath, [DEPCRUISE, "src", "--config", path.join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "err"], { cwd, encoding: "utf8", timeout: 60000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("layers: domain ← infrastructure ← app ← services ← workers/producers ← cli/console, no circles", () => {
  it("the service's sources (src/, type-only imports included) have no upward import and no circle", () => {
    const r = checkLayers(ROOT);
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.match(/no dependency violations found \((\d{3,}) modules/);
  });

  it("fails on an upward import, a type-only one too", () => {
    const r = checkLayers(path.join(__dirname, "../fixtures/upward-import"));
    expect(r.code).to.not.equal(0);
    expect(r.output).to.contain("services-not-upward: src/services/uses-worker.ts → src/workers/host.ts");
    expect(r.output).to.contain("domain-is-pure: src/domain/rule.ts → src/services/uses-worker.ts");
    // Erased by the compiler (`import type`, `import { type … }`), still upward.
    expect(r.output).to.contain("producers-and-workers-not-upward: src/producers/type-only.ts → src/cli/errors.ts");
    expect(r.output).to.contain("services-not-upward: src/services/type-only.ts → src/console/server.ts");
    expect(r.output).to.contain("app-context-not-upward: src/app/context.ts → src/services/type-only.ts");
    expect(r.output).to.contain("only-cli-and-console-import-them: src/producers/type-only.ts → src/cli/errors.ts");
  });

  it("fails on an import circle within a layer, of type-only imports too (no-circular)", () => {
    const r = checkLayers(path.join(__dirname, "../fixtures/import-circle"));
    expect(r.code).to.not.equal(0);
    const circles = r.output.replace(/\s*→\s*/g, " → ");
    // The circle issue 21 found: schedules.ts imported every job file, whose schedule type came from schedules.ts.
    expect(circles).to.contain("no-circular: src/workers/purge.job.ts → src/workers/schedules.ts → src/workers/purge.job.ts");
    expect(circles).to.contain("no-circular: src/services/a.ts → src/services/b.ts → src/services/a.ts");
    expect(r.output).to.match(/2 dependency violations/);
  });
});

// Run on every landing with the layer rules: an LMS table enters the code only with its registry entry, which the
// workers' start check and check-lms-schema read (test/db/lms-schema-registry.test.ts checks the entries themselves).
describe("LMS tables: src/ uses only those the LMS schema registry lists", () => {
  it("every LMS table named in src/ is in src/db/lms-schema/ (add it to its family's file there)", () => {
    expect(unregisteredLmsTables(new Set(registryTables()))).to.deep.equal([]);
  });
});
