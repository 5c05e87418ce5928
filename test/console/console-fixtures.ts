import { PassThrough } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { DataSource } from "typeorm";
import { loadConfig } from "../../src/config";
import { closeConsoleContext, createConsoleContext, openConsoleDatabase, type ConsoleContext } from "../../src/console/console-context";
import { buildConsoleServer } from "../../src/console/server";
import { createLogger, silentLogger } from "../../src/logging/logger";
import { makeDjangoPassword } from "../../src/services/auth/django-password";
import type { Harness } from "../support/harness";
import { insertLmsRow } from "../support/lms-seed";

/** Django's own test vector (django/tests/auth_tests/test_hashers.py, test_pbkdf2): make_password("lètmein", "seasalt"). */
export const DJANGO_VECTOR = { password: "lètmein", encoded: "pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=" };
export const SESSION_SECRET = "test-session-secret-0123456789abcdef";

export interface RunningConsole {
  url: string;
  app: FastifyInstance;
  ctx: ConsoleContext;
  close(): Promise<void>;
}

/**
 * A console on a free port of 127.0.0.1, over the harness's database, queue prefix and bucket. With `logs`, every
 * line the console logs (JSON, debug level) is appended to it, for tests that check what is never logged.
 */
export async function startConsole(h: Harness, env: Record<string, string> = {}, opts: { logs?: string[] } = {}): Promise<RunningConsole> {
  const config = loadConfig(h.env({ CONSOLE_LOGIN_MAX_PER_IP: "1000", CONSOLE_LOGIN_MAX_PER_USER: "1000", ...(opts.logs ? { LOG_LEVEL: "debug", LOG_FORMAT: "json" } : {}), ...env }));
  let logger = silentLogger();
  if (opts.logs) {
    const stream = new PassThrough();
    stream.on("data", (chunk: Buffer) => opts.logs!.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
    logger = createLogger(config, stream);
  }
  const ctx = createConsoleContext(config, logger);
  await openConsoleDatabase(ctx);
  const app = await buildConsoleServer(ctx, { sessionSecret: SESSION_SECRET });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    url,
    app,
    ctx,
    async close() {
      await app.close();
      await closeConsoleContext(ctx);
    },
  };
}

export interface StaffSeed {
  username: string;
  password?: string;
  /** A ready auth_user.password value (e.g. Django's vector, or "!unusable"). */
  encoded?: string;
  isStaff?: boolean;
  isActive?: boolean;
  isSuperuser?: boolean;
  groups?: string[];
}

/** Inserts an auth_user row (low PBKDF2 work factor unless `encoded` is given: tests stay fast). */
export async function seedUser(ds: DataSource, seed: StaffSeed): Promise<number> {
  const encoded = seed.encoded ?? (await makeDjangoPassword(seed.password ?? "secret", { iterations: 1000 }));
  const userId = await insertLmsRow(ds, "auth_user", {
    username: seed.username, password: encoded, email: `${seed.username}@example.com`, is_staff: seed.isStaff ?? true, is_active: seed.isActive ?? true, is_superuser: seed.isSuperuser ?? false,
  });
  for (const group of seed.groups ?? []) {
    await ds.query("INSERT IGNORE INTO auth_group (name) VALUES (?)", [group]);
    await ds.query("INSERT INTO auth_user_groups (user_id, group_id) SELECT ?, id FROM auth_group WHERE name = ?", [userId, group]);
  }
  return userId;
}

/** A minimal HTTP client with a cookie jar, for HTTP-level tests of the console. */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  async request(method: string, path: string, opts: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    let body: string | undefined;
    if (opts.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(opts.form).toString();
    } else if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    const res = await fetch(this.base + path, { method, headers, body, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const [name, ...rest] = pair.split("=");
      const value = rest.join("=");
      const expired = attrs.some((a) => /expires=thu, 01 jan 1970/i.test(a.trim())) || value === "";
      if (expired) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return res;
  }

  get(path: string, headers: Record<string, string> = { accept: "text/html" }): Promise<Response> {
    return this.request("GET", path, { headers });
  }

  /** The CSRF token of the form on a page. */
  async formToken(path = "/login"): Promise<string> {
    const html = await (await this.get(path)).text();
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!match) throw new Error(`no CSRF token on ${path}`);
    return match[1];
  }

  async signIn(username: string, password: string): Promise<Response> {
    const _csrf = await this.formToken("/login");
    return this.request("POST", "/login", { form: { username, password, _csrf } });
  }

  /** bull-board's way: the XSRF-TOKEN cookie echoed in the X-XSRF-TOKEN header. */
  xsrfHeaders(): Record<string, string> {
    const token = this.cookies.get("XSRF-TOKEN");
    if (!token) throw new Error("no XSRF-TOKEN cookie yet (load a signed-in page first)");
    return { "x-xsrf-token": decodeURIComponent(token), accept: "application/json" };
  }
}
