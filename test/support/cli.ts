import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { runCli } from "../../src/cli/main";

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs a CLI command in this process (fast), capturing its output. */
export async function runCliInProcess(argv: string[], env: Record<string, string>): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: { PATH: process.env.PATH, ...env } });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const BIN = path.resolve(__dirname, "../../bin/openedx-workers.js");

/** Starts the real CLI as a child process (for signals, exit codes and crashes). */
export function spawnCli(argv: string[], env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [BIN, ...argv], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return Object.assign(child, { output: () => output });
}

export function exitOf(child: ChildProcess, timeoutMs = 20000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    const timer = setTimeout(() => reject(new Error(`process did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}
