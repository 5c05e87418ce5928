import net from "node:net";

/**
 * A TCP proxy in front of a real server that can hold traffic: while closed, bytes from clients are buffered,
 * so a request is provably in flight (the worker is inside its S3 call) until the test opens the gate. With
 * `hold: "responses"` the requests pass and the server's answers are held instead: the server has done the work
 * (e.g. deleted the objects) but the client does not know yet.
 */
export class TcpGate {
  private server?: net.Server;
  private open = true;
  private readonly waiting: Array<() => void> = [];
  private readonly sockets = new Set<net.Socket>();
  /** Number of chunks held while the gate was closed. */
  held = 0;

  /**
   * `delayMs`: every chunk from a client reaches the server this much later (order kept): a slower network, which
   * paces the work through the proxy so that a fault lands while work is still pending.
   */
  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    private readonly hold: "requests" | "responses" = "requests",
    private readonly delayMs = 0,
  ) {}

  private port = 0;

  async listen(): Promise<string> {
    this.server = this.createServer();
    await new Promise<void>((r) => this.server!.listen(this.port, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  /** The proxy's port (stable across refuse/accept). */
  get listenPort(): number {
    return this.port;
  }

  /** An outage: existing connections are cut and new ones refused (nothing listens on the port). */
  async refuse(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise((r) => this.server?.close(r));
  }

  /** The service is back: listen again on the same port. */
  async accept(): Promise<void> {
    await this.listen();
  }

  private createServer(): net.Server {
    return net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      this.sockets.add(client).add(upstream);
      let previous = Promise.resolve();
      const delayed = (to: net.Socket) => (chunk: Buffer) => {
        previous = previous.then(() => new Promise<void>((r) => setTimeout(r, this.delayMs))).then(() => {
          if (!to.destroyed) to.write(chunk);
        });
      };
      const gated = (to: net.Socket) => (chunk: Buffer) => {
        if (this.delayMs > 0 && this.open) delayed(to)(chunk);
        else if (this.open) to.write(chunk);
        else {
          this.held++;
          this.waiting.push(() => to.write(chunk));
        }
      };
      client.on("data", this.hold === "requests" ? gated(upstream) : (chunk) => upstream.write(chunk));
      upstream.on("data", this.hold === "responses" ? gated(client) : (chunk) => client.write(chunk));
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("close", end).on("error", end);
      upstream.on("close", end).on("error", end);
    });
  }

  close(): void {
    this.open = false;
  }

  release(): void {
    this.open = true;
    for (const send of this.waiting.splice(0)) send();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server?.listening) await new Promise((r) => this.server?.close(r));
  }
}
