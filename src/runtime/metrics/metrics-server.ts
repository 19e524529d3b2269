import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BatonMetrics } from './baton-metrics.js';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** A probe's answer: 200 when `status` is `ok`, else 503; the object is the body. */
export type Probe = () => Record<string, unknown> & { status: string };

/**
 * `GET /metrics` without a credential, on a port of its own (METRICS_PORT for the API,
 * WORKER_METRICS_PORT for a worker): for a scrape network only Prometheus can reach. With probes,
 * also `GET /readyz` (a worker: how it isolates steps; `draining` while a stopping worker finishes
 * its steps) and `GET /healthz` (a worker: alive unless its Temporal worker failed).
 */
export function serveMetrics(
  metrics: BatonMetrics,
  port: number,
  host: string,
  probes: { readiness?: Probe; liveness?: Probe } = {},
): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const probe = path === '/readyz' ? probes.readiness : path === '/healthz' ? probes.liveness : undefined;
    if (probe) {
      const answer = probe();
      return void response
        .writeHead(answer.status === 'ok' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(answer));
    }
    if (path !== '/metrics')
      return void response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at /metrics\n');
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return void response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end();
    metrics.text().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`Could not collect metrics: ${error.message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
