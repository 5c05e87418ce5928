import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import semver from "semver";

const root = path.resolve(__dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

/**
 * `engines` tells the truth: every Node version package.json accepts is one every installed package (the lock file's
 * tree, development tools included) says it supports, so `npm ci` on any of them warns no EBADENGINE.
 */
describe("engines", () => {
  it("every package of the lock file supports every Node version package.json declares", () => {
    const declared = pkg.engines.node;
    expect(semver.validRange(declared), declared).to.be.a("string");
    const narrower: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (where === "" || !range) continue;
      if (!semver.subset(declared, range)) narrower.push(`${where.replace(/^.*node_modules\//, "")}@${entry.version}: node ${range}`);
    }
    expect(narrower, `package.json declares node ${declared}`).to.deep.equal([]);
  });

  it("the Node running the tests is one package.json declares", () => {
    expect(semver.satisfies(process.versions.node, pkg.engines.node), process.versions.node).to.equal(true);
  });

  it("the README names the declared versions", () => {
    expect(fs.readFileSync(path.join(root, "README.md"), "utf8")).to.contain(`\`${pkg.engines.node}\``);
  });
});
