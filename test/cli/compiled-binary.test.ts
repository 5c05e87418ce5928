import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin/openedx-workers.js");

/** The compiled CLI as an operator runs it: node bin/openedx-workers.js, which loads dist/ (no tsx). */
function run(argv: string[], env: Record<string, string> = {}, bin = BIN) {
  const r = spawnSync(process.execPath, [bin, ...argv], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, encoding: "utf8", timeout: 20000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("the compiled binary (dist/)", () => {
  it("runs from dist/ without tsx", () => {
    expect(fs.existsSync(path.join(ROOT, "dist/cli/main.js")), "dist/cli/main.js").to.equal(true);
    expect(fs.readFileSync(BIN, "utf8")).not.to.match(/require\(["']tsx/);
  });

  it("loads a command's modules only when that command runs: --help loads no service library, queues no database or S3 client", () => {
    // What the process loaded, by package, printed at exit by a preloaded hook.
    const hook = path.join(os.tmpdir(), `owt-loaded-${process.pid}.js`);
    fs.writeFileSync(hook, `process.on("exit", () => process.stderr.write("LOADED " + JSON.stringify(Object.keys(require.cache)) + "\\n"));`);
    const loaded = (argv: string[]) => {
      const r = spawnSync(process.execPath, ["--require", hook, BIN, ...argv], { env: { PATH: process.env.PATH, HOME: process.env.HOME, QUEUE_PREFIX: `owt-loaded-${process.pid}` }, encoding: "utf8", timeout: 20000 });
      expect(r.status, r.stderr).to.equal(0);
      const files = JSON.parse(/^LOADED (.*)$/m.exec(r.stderr)![1]) as string[];
      return new Set(files.map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean));
    };
    try {
      const help = loaded(["--help"]);
      for (const lib of ["typeorm", "bullmq", "@aws-sdk/client-s3", "fastify", "mysql2", "zod", "winston"]) expect(help.has(lib), lib).to.equal(false);
      const queues = loaded(["queues"]);
      expect(queues.has("bullmq")).to.equal(true);
      for (const lib of ["typeorm", "@aws-sdk/client-s3", "fastify", "mysql2"]) expect(queues.has(lib), lib).to.equal(false);
    } finally {
      fs.rmSync(hook, { force: true });
    }
  });

  it("prints help with exit 0, and the usage with exit 2 when no command is given", () => {
    const help = run(["--help"]);
    expect(help.code).to.equal(0);
    expect(help.out).to.match(/^Usage: openedx-workers <command> \[options\]\n/);
    expect(help.out).to.contain("  purge-pdf-certificates").and.contain("  retire-learners");
    const commandHelp = run(["purge-pdf-certificates", "--help"]);
    expect(commandHelp.code).to.equal(0);
    expect(commandHelp.out).to.contain("Usage: openedx-workers purge-pdf-certificates (--certificate-ids ID…");
    expect(commandHelp.out).to.contain("--certificate-ids, --certificate_ids ID…");
    const none = run([]);
    expect(none.code).to.equal(2);
    expect(none.out).to.match(/^Usage: openedx-workers <command>/);
  });

  it("exits 2 on bad usage and bad configuration, 1 when the command fails", () => {
    const unknown = run(["nope"]);
    expect([unknown.code, unknown.err.split("\n")[0]]).to.deep.equal([2, 'openedx-workers: unknown command "nope"']);
    const badOption = run(["queues", "--bogus"]);
    expect([badOption.code, badOption.err.split("\n")[0]]).to.deep.equal([2, "openedx-workers queues: unknown option '--bogus'"]);
    const badConfig = run(["config"], { REDIS_URL: "http://x", RETIREMENT_SCHEDULE_CRON: "99 99 99 99 99" });
    expect(badConfig.code).to.equal(2);
    expect(badConfig.err).to.contain("REDIS_URL: must be a redis: or rediss: URL").and.contain("RETIREMENT_SCHEDULE_CRON:");
    const good = run(["config"]);
    expect([good.code, good.out.trim().split("\n").pop()]).to.deep.equal([0, "configuration is valid"]);
    // Nothing listens on port 1: the command fails (exit 1) with one line naming the problem.
    const failed = run(["queues"], { REDIS_URL: "redis://127.0.0.1:1/0" });
    expect(failed.code).to.equal(1);
    expect(failed.err).to.match(/^openedx-workers queues: /);
  });

  it("says to run the build when dist/ is missing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ow-nodist-"));
    try {
      fs.mkdirSync(path.join(dir, "bin"));
      fs.copyFileSync(BIN, path.join(dir, "bin/openedx-workers.js"));
      const r = run(["--help"], {}, path.join(dir, "bin/openedx-workers.js"));
      expect(r.code).to.equal(1);
      expect(r.err).to.contain("run `npm run build` first");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
