import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import IORedis from "ioredis";

/** A free loopback TCP port (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * A redis-server of the test's own, on a spare loopback port and its own directory: the test may kill, restart or
 * misconfigure it without touching the shared Redis on 6379.
 */
export class OwnRedis {
  private proc?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
  ) {}

  static async start(opts: { aof?: boolean; args?: string[] } = {}): Promise<OwnRedis> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owt-redis-"));
    const args = ["--save", "", "--appendonly", opts.aof ? "yes" : "no", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction", ...(opts.args ?? [])];
    const redis = new OwnRedis(await freePort(), dir, args);
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async up(): Promise<void> {
    this.proc = spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(this.port), "--dir", this.dir, ...this.args], { stdio: "ignore" });
    const deadline = Date.now() + 10000;
    for (;;) {
      const client = new IORedis({ port: this.port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      client.on("error", () => undefined);
      try {
        await client.connect();
        await client.ping();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`own redis-server on ${this.port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        client.disconnect();
      }
    }
  }

  /** SIGKILL: no shutdown save, exactly like a crash (AOF keeps what was fsynced). */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((r) => {
      proc.once("exit", () => r());
      proc.kill("SIGKILL");
    });
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.up();
  }

  async stop(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A redis-server in Sentinel mode watching a master, on a spare port (for Sentinel tests). */
export class OwnSentinel {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly proc: ChildProcess,
  ) {}

  static async start(masterPort: number, masterName = "mymaster"): Promise<OwnSentinel> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owt-sentinel-"));
    const port = await freePort();
    const conf = path.join(dir, "sentinel.conf");
    fs.writeFileSync(conf, [`port ${port}`, "bind 127.0.0.1", `dir ${dir}`, `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`, `sentinel down-after-milliseconds ${masterName} 5000`, ""].join("\n"));
    const proc = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
    const sentinel = new OwnSentinel(port, dir, proc);
    const deadline = Date.now() + 10000;
    for (;;) {
      const client = new IORedis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      client.on("error", () => undefined);
      try {
        await client.connect();
        const addr = (await client.call("SENTINEL", "get-master-addr-by-name", masterName)) as string[] | null;
        if (addr && Number(addr[1]) === masterPort) return sentinel;
      } catch {
        /* not up yet */
      } finally {
        client.disconnect();
      }
      if (Date.now() > deadline) throw new Error(`sentinel on ${port} did not see its master`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      await new Promise<void>((r) => {
        this.proc.once("exit", () => r());
        this.proc.kill("SIGKILL");
      });
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
