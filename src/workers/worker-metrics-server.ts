import http from "node:http";
import type { AddressInfo } from "node:net";
import { metricsTokenAccepted, type JobMetrics } from "../services/metrics/job-metrics";

/**
 * A worker process's own /metrics (its counters, duration histogram and Node process metrics), so Prometheus can
 * scrape every worker. Plain node:http: one read-only route needs no framework.
 */
export async function startWorkerMetricsServer(metrics: JobMetrics, opts: { port: number; host?: string; token?: string }): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    if (!metricsTokenAccepted(opts.token, req.headers.authorization)) {
      res.writeHead(401, { "content-type": "text/plain", "www-authenticate": "Bearer" }).end("bearer token required\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${err.message}\n`),
    );
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
