import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createConnection } from "mysql2/promise";
import { freePort } from "./own-redis";

/**
 * A throw-away MariaDB of the test's own (own datadir, port and socket; environment-notes.md): a suite may stop and
 * restart it without touching the shared server on 3306. Data lives on disk, so it survives a restart.
 */
export class OwnMariaDb {
  private proc?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<OwnMariaDb> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "owt-mariadb-"));
    fs.mkdirSync(path.join(dir, "data"));
    fs.mkdirSync(path.join(dir, "run"));
    execFileSync("chown", ["-R", "mysql:mysql", dir]);
    fs.chmodSync(dir, 0o755);
    execFileSync("mariadb-install-db", ["--user=mysql", `--datadir=${dir}/data`, "--auth-root-authentication-method=normal", "--skip-test-db"], { stdio: "ignore" });
    const db = new OwnMariaDb(await freePort(), dir);
    await db.up();
    return db;
  }

  get adminUrl(): string {
    return `mysql://root@127.0.0.1:${this.port}/mysql`;
  }

  async up(): Promise<void> {
    this.proc = spawn("/usr/sbin/mariadbd", [
      "--no-defaults", "--user=mysql", `--datadir=${this.dir}/data`, "--bind-address=127.0.0.1", `--port=${this.port}`,
      `--socket=${this.dir}/run/mysqld.sock`, `--pid-file=${this.dir}/run/mariadbd.pid`, "--skip-log-bin",
      "--innodb-buffer-pool-size=128M", "--max-connections=500", `--log-error=${this.dir}/run/error.log`,
    ], { stdio: "ignore" });
    const deadline = Date.now() + 30000;
    for (;;) {
      try {
        const conn = await createConnection({ uri: this.adminUrl, connectTimeout: 1000 });
        await conn.end();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`own mariadbd on ${this.port} did not start (see ${this.dir}/run/error.log)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Stops the server (clean shutdown): every connection is cut and new ones are refused until up(). */
  async down(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((r) => {
      proc.once("exit", () => r());
      proc.kill("SIGTERM");
    });
  }

  async stop(): Promise<void> {
    await this.down();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
