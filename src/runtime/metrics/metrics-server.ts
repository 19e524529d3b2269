import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BatonMetrics } from './baton-metrics.js';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * `GET /metrics` without a credential, on a port of its own (METRICS_PORT for the API,
 * WORKER_METRICS_PORT for a worker): for a scrape network only Prometheus can reach. With
 * `readiness`, also `GET /readyz` (a worker: how it isolates steps; 503 unless its status is `ok`,
 * e.g. `draining` while a stopping worker finishes its steps).
 */
export function serveMetrics(
  metrics: BatonMetrics,
  port: number,
  host: string,
  readiness?: () => Record<string, unknown>,
): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/readyz' && readiness) {
      const ready = readiness();
      return void response.writeHead(ready.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(ready));
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
