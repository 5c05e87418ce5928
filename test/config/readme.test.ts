import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { CONFIG_REFERENCE_FILE, withConfigTable } from "../../src/config/reference-table";
import { COMMANDS } from "../../src/cli/commands";
import { headingAnchors, linkTargets, splitMarkdown } from "../support/markdown";

const root = path.resolve(__dirname, "../..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const readme = read("README.md");
const docs = fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);

/** Every relative link of a Markdown file that does not resolve: a missing file, or a missing heading anchor. */
function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const target of linkTargets(read(file))) {
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:: not ours to check offline
    const [pathPart, anchor] = target.split("#", 2);
    const resolved = pathPart === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart));
    if (!fs.existsSync(path.join(root, resolved))) {
      broken.push(`${target} (no file ${resolved})`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith(".md") && !headingAnchors(read(resolved)).has(anchor)) {
      broken.push(`${target} (no heading #${anchor} in ${resolved})`);
    }
  }
  return broken;
}

describe("README stays true", () => {
  it("stays a guide: under 350 lines, with the details in docs/", () => {
    expect(readme.split("\n").length).to.be.at.most(350);
  });

  it(`documents every configuration variable exactly as the code defines it (${CONFIG_REFERENCE_FILE})`, () => {
    const reference = read(CONFIG_REFERENCE_FILE);
    expect(withConfigTable(reference), "run: npx tsx scripts/update-readme-config.ts").to.equal(reference);
    expect(readme).to.contain(`](${CONFIG_REFERENCE_FILE})`);
  });

  it("mentions every CLI command", () => {
    for (const cmd of COMMANDS) expect(readme, cmd.name).to.contain(`openedx-workers ${cmd.name}`);
  });

  it("names only commands that exist: every `openedx-workers <command>` in the README's and docs' code", () => {
    const known = new Set(COMMANDS.map((c) => c.name));
    const unknown: string[] = [];
    for (const file of ["README.md", ...docs]) {
      for (const code of splitMarkdown(read(file)).code) {
        for (const m of code.matchAll(/(?<![\w/.-])openedx-workers\s+([a-z][a-z0-9-]*)/g)) {
          if (!known.has(m[1])) unknown.push(`${file}: openedx-workers ${m[1]}`);
        }
      }
    }
    expect(unknown).to.deep.equal([]);
  });

  it("runs only npm scripts and files that exist", () => {
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    const missing: string[] = [];
    for (const code of splitMarkdown(readme).code) {
      for (const m of code.matchAll(/npm run (?:--silent )?([\w:-]+)/g)) if (!(m[1] in scripts)) missing.push(`npm run ${m[1]}`);
      for (const m of code.matchAll(/\b(?:bash|node|npx tsx)\s+((?:scripts|bench|\.ci|bin)\/[\w./-]+)/g)) {
        if (!fs.existsSync(path.join(root, m[1]))) missing.push(m[1]);
      }
    }
    expect(missing).to.deep.equal([]);
  });

  for (const file of ["README.md", ...docs]) {
    it(`has no broken relative link in ${file}`, () => {
      expect(brokenLinks(file)).to.deep.equal([]);
    });
  }
});
