import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Queue } from "bullmq";

const BIN = path.resolve(__dirname, "../../bin/openedx-workers.js");

/** Peak resident set size of a process so far, in MB (Linux: VmHWM of /proc/<pid>/status). */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * The real `openedx-workers worker` as its own process, exactly as an operator starts it, so its memory is its own
 * and its settings (pool, connections, concurrency, lock timings) are the shipped defaults.
 */
export class WorkerProcess {
  private child?: ChildProcess;
  private output = "";

  constructor(
    private readonly env: Record<string, string>,
    private readonly args: string[],
  ) {}

  /** Starts the worker and returns once BullMQ lists it as a worker of `queue`. */
  async start(queue: Queue, timeoutMs = 60_000): Promise<void> {
    this.child = spawn(process.execPath, [BIN, "worker", ...this.args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...this.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.child.stderr!.on("data", (d) => (this.output = (this.output + String(d)).slice(-4000)));
    const deadline = Date.now() + timeoutMs;
    while ((await queue.getWorkersCount()) === 0) {
      if (this.child.exitCode !== null) throw new Error(`worker exited with ${this.child.exitCode}: ${this.output}`);
      if (Date.now() > deadline) throw new Error(`worker not ready after ${timeoutMs} ms: ${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  peakRssMb(): number {
    return this.child?.pid ? peakRssMb(this.child.pid) : NaN;
  }

  /** SIGTERM (graceful shutdown) and wait for the exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  }
}
