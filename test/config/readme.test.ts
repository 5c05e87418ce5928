import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { withConfigTable } from "../../src/config/reference-table";
import { COMMANDS } from "../../src/cli/commands";

const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");

describe("README stays true", () => {
  it("documents every configuration variable exactly as the code defines it", () => {
    expect(withConfigTable(readme), "run: npx tsx scripts/update-readme-config.ts").to.equal(readme);
  });

  it("mentions every CLI command", () => {
    for (const cmd of COMMANDS) expect(readme, cmd.name).to.contain(`openedx-workers ${cmd.name}`);
  });
});
