import { spawn, spawnSync, type ChildProcess } from "node:child_process";
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

/** SIGKILL a child process (if still running) and wait until it has exited. */
async function killAndWait(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((r) => {
    proc.once("exit", () => r());
    proc.kill("SIGKILL");
  });
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
    if (this.proc) await killAndWait(this.proc);
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
    await killAndWait(this.proc);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A 3-node Redis Cluster of the test's own (three masters, no replicas) on spare loopback ports, each node in its
 * own directory with its own cluster bus port; created with `redis-cli --cluster create` and torn down by stop().
 */
export class OwnCluster {
  private constructor(
    readonly nodes: OwnRedis[],
    private readonly dir: string,
  ) {}

  static async start(): Promise<OwnCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owt-cluster-"));
    const nodes: OwnRedis[] = [];
    const cluster = new OwnCluster(nodes, dir);
    try {
      for (let i = 0; i < 3; i++) {
        // The bus port is chosen too: the default (port + 10000) may be taken or beyond 65535.
        nodes.push(await OwnRedis.start({ args: ["--cluster-enabled", "yes", "--cluster-config-file", path.join(dir, `nodes-${i}.conf`), "--cluster-port", String(await freePort())] }));
      }
      const created = spawnSync("redis-cli", ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"], { encoding: "utf8", timeout: 30000 });
      if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
      await cluster.waitUntilOk();
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** REDIS_CLUSTER_NODES for these nodes. */
  get nodeList(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(",");
  }

  /** Every node agrees the cluster is ok (all slots served) before the test uses it. */
  private async waitUntilOk(): Promise<void> {
    const deadline = Date.now() + 20000;
    for (;;) {
      const states = await Promise.all(
        this.nodes.map(async (n) => {
          const client = new IORedis({ port: n.port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
          client.on("error", () => undefined);
          try {
            await client.connect();
            return /cluster_state:ok/.test(String(await client.call("CLUSTER", "INFO")));
          } catch {
            return false;
          } finally {
            client.disconnect();
          }
        }),
      );
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error("own Redis Cluster did not reach cluster_state:ok");
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) await n.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A CA and a server certificate for 127.0.0.1/localhost signed by it, made with openssl in `dir`. */
export function makeTlsFiles(dir: string, name = "ca"): { ca: string; cert: string; key: string } {
  const file = (f: string) => path.join(dir, `${name}-${f}`);
  const run = (args: string[]) => {
    const r = spawnSync("openssl", args, { encoding: "utf8", timeout: 30000 });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name} test CA`, "-keyout", file("ca.key"), "-out", file("ca.pem")]);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", file("server.key"), "-out", file("server.csr")]);
  fs.writeFileSync(file("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run(["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", file("ext.cnf"), "-out", file("server.pem")]);
  return { ca: file("ca.pem"), cert: file("server.pem"), key: file("server.key") };
}

/** A redis-server of the test's own that speaks only TLS (no plain port), with a certificate from makeTlsFiles. */
export class OwnTlsRedis {
  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly ca: string,
    private readonly proc: ChildProcess,
  ) {}

  static async start(): Promise<OwnTlsRedis> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owt-tls-redis-"));
    const tls = makeTlsFiles(dir);
    const port = await freePort();
    const proc = spawn(
      "redis-server",
      ["--bind", "127.0.0.1", "--port", "0", "--tls-port", String(port), "--tls-cert-file", tls.cert, "--tls-key-file", tls.key, "--tls-ca-cert-file", tls.ca, "--tls-auth-clients", "no", "--dir", dir, "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"],
      { stdio: "ignore" },
    );
    const redis = new OwnTlsRedis(port, dir, tls.ca, proc);
    const deadline = Date.now() + 10000;
    for (;;) {
      const client = new IORedis({ port, host: "127.0.0.1", tls: { ca: fs.readFileSync(tls.ca) }, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      client.on("error", () => undefined);
      try {
        await client.connect();
        await client.ping();
        return redis;
      } catch {
        if (Date.now() > deadline) {
          await redis.stop();
          throw new Error(`own TLS redis-server on ${port} did not start`);
        }
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        client.disconnect();
      }
    }
  }

  get url(): string {
    return `rediss://127.0.0.1:${this.port}/0`;
  }

  async stop(): Promise<void> {
    await killAndWait(this.proc);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
