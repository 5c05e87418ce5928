/**
 * `npm run bench:cli-start [-- RUNS]`: wall time of a CLI start, from process spawn to exit, for `--help` and
 * `queues` (which connects to Redis), run the old way (TypeScript compiled at start by tsx, as bin/ did before the
 * build) and the new way (bin/openedx-workers.js running dist/). Builds dist/ first. Prints median and min per case.
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
  for (const [name, runner] of Object.entries(RUNNERS)) {
    timeOnce([...runner, ...command]); // warm the file cache (and tsx's own cache) once
    const times = Array.from({ length: runs }, () => timeOnce([...runner, ...command])).sort((a, b) => a - b);
    console.log([command.join(" "), name, times[Math.floor(times.length / 2)].toFixed(0), times[0].toFixed(0)].join("\t"));
  }
}
