/**
 * `npm run bench:cli-start [-- RUNS]`: wall time of a CLI start, from process spawn to exit, for `--help` and
 * `queues` (which connects to Redis), run the old way (TypeScript compiled at start by tsx, as bin/ did before the
 * build) and the new way (bin/openedx-workers.js running dist/). Builds dist/ first. Prints median and min per case.
 * CLI_START_BASELINE_DIST=<dir inside the repo> adds a runner for another build (e.g. a copy of dist/ built from an
 * older commit), timed in the same loop so that both see the same machine load.
 */
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const runs = Number(process.argv[2] ?? 10);
const env = { PATH: process.env.PATH, HOME: process.env.HOME, QUEUE_PREFIX: `bench-cli-start-${process.pid}`, REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379/0" };

const RUNNERS: Record<string, string[]> = {
  "tsx (before)": ["--require", "tsx/cjs", "--require", path.join(ROOT, "src/cli/quiet-warnings.ts"), path.join(ROOT, "src/cli/main.ts")],
  "dist (after)": [path.join(ROOT, "bin/openedx-workers.js")],
};
const baseline = process.env.CLI_START_BASELINE_DIST;
if (baseline) {
  const dir = path.resolve(ROOT, baseline);
  RUNNERS[`${path.basename(dir)} (baseline)`] = ["--require", path.join(dir, "cli/quiet-warnings.js"), path.join(dir, "cli/main.js")];
}
const COMMANDS: string[][] = [["--help"], ["queues"]];

function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
console.log(`CLI start, ${runs} runs each (node ${process.version}):`);
console.log(["command", "runner", "median ms", "min ms"].join("\t"));
for (const command of COMMANDS) {
  const runners = Object.entries(RUNNERS);
  for (const [, runner] of runners) timeOnce([...runner, ...command]); // warm the file cache (and tsx's own cache) once
  // Round-robin over the runners, so that a change of machine load falls on all of them alike.
  const times = runners.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) runners.forEach(([, runner], r) => times[r].push(timeOnce([...runner, ...command])));
  runners.forEach(([name], r) => {
    const sorted = times[r].sort((a, b) => a - b);
    console.log([command.join(" "), name, sorted[Math.floor(sorted.length / 2)].toFixed(0), sorted[0].toFixed(0)].join("\t"));
  });
}
