import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the service received it: what tests compare with upstream's client, byte for byte. */
export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Never answer (the socket stays open): a hung service. */
  hang?: boolean;
}

type Handler = (req: ReceivedRequest, nth: number) => Reply | Promise<Reply>;

/**
 * A local HTTP server playing a remote service (the LMS with its token endpoint, an IDA, a third party). Tests
 * script answers per "METHOD /path" (a list is consumed in order, the last one repeats) and read every request.
 */
export class FakeHttpService {
  readonly requests: ReceivedRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private fallback?: Handler;
  private readonly hung = new Set<http.ServerResponse>();
  private server!: http.Server;
  url = "";

  static async start(): Promise<FakeHttpService> {
    const s = new FakeHttpService();
    s.server = http.createServer((req, res) => void s.handle(req, res));
    await new Promise<void>((resolve) => s.server.listen(0, "127.0.0.1", resolve));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  /** Answers for a route: a function, or replies consumed in order (the last repeats). */
  on(route: string, replies: Handler | Reply | Reply[]): this {
    if (typeof replies === "function") this.routes.set(route, replies);
    else {
      const list = Array.isArray(replies) ? replies : [replies];
      this.routes.set(route, (_req, nth) => list[Math.min(nth, list.length - 1)]);
    }
    return this;
  }

  /** Answers every request no route names (paths with ids in them); `nth` counts the requests it answered. */
  otherwise(handler: Handler): this {
    this.fallback = handler;
    return this;
  }

  /** The LMS's token endpoint: hands out tokens "token-1", "token-2", … with this lifetime. */
  onToken(opts: { expiresIn?: number; status?: number } = {}): this {
    return this.on("POST /oauth2/access_token", (_req, nth) =>
      opts.status && opts.status >= 300
        ? { status: opts.status, body: { error: "invalid_client" } }
        : { status: 200, body: { access_token: `token-${nth + 1}`, expires_in: opts.expiresIn ?? 3600, token_type: "JWT", scope: "read write" } },
    );
  }

  /** Requests to a route ("METHOD /path"), in arrival order. */
  received(route?: string): ReceivedRequest[] {
    return route ? this.requests.filter((r) => `${r.method} ${r.url.split("?")[0]}` === route) : this.requests;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const received: ReceivedRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
    const route = `${received.method} ${received.url.split("?")[0]}`;
    const nth = this.received(route).length;
    this.requests.push(received);
    const handler = this.routes.get(route) ?? this.fallback;
    const reply = handler ? await handler(received, nth) : { status: 404, body: { detail: "Not found." } };
    if (reply.hang) {
      this.hung.add(res);
      return;
    }
    const body = reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, body ? { "Content-Type": "application/json" } : {});
    res.end(body);
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
