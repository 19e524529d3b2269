/**
 * `npm run bench:metrics`: what the operator metrics cost, in one process.
 *   inject: a request to a Fastify route that does nothing, injected in-process, without (a) and
 *           with (b) the hook that times it into baton_http_request_duration_seconds; short
 *           batches alternate; medians per request, b − a and b/a. A real API request does far more
 *           (guards, database), so b − a is the number to read, the ratio an upper bound.
 *   http:   the same over loopback HTTP with keep-alive.
 *   step:   recording one step's metrics (duration histogram, kill counter), per step.
 *   scrape: rendering the page with 150 routes × 4 status codes and 60 step types × 3 outcomes.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatonMetrics } from '../../src/runtime/metrics/baton-metrics.js';
import { observeRequests } from '../../src/metrics/http-metrics.js';
import { ITERATIONS, median, reportResult, time } from './harness.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
/** Short batches, many of them, alternating: on a shared machine the load changes within seconds. */
const BATCHES = Number(process.env.BENCH_BATCHES ?? 41);
const STEPS = 100_000;

async function serve(withHook: boolean): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify();
  app.get('/v1/runs/:id', async () => ({ ok: true }));
  if (withHook) observeRequests(app, new BatonMetrics({ tenantLabels: false }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const get = (port: number, i: number) =>
  new Promise<void>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: `/v1/runs/run-${i}`, agent }, (response) => {
      response.resume();
      response.on('end', resolve);
    })
      .on('error', reject)
      .end();
  });

const overHttp = (port: number) => async () => {
  for (let i = 0; i < REQUESTS; i++) await get(port, i);
};
const injected = (app: FastifyInstance) => async () => {
  for (let i = 0; i < REQUESTS; i++) await app.inject({ method: 'GET', url: `/v1/runs/run-${i}` });
};

const figures: Array<Array<string | number>> = [];

/** Alternating batches of `a` and `b`; prints the median per request of each, b − a and b/a. */
async function compareRequests(label: string, a: () => Promise<void>, b: () => Promise<void>): Promise<void> {
  await a();
  await b();
  const times = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < BATCHES; i++) {
    times.a.push(await time(a));
    times.b.push(await time(b));
  }
  const [ma, mb] = [(median(times.a) * 1000) / REQUESTS, (median(times.b) * 1000) / REQUESTS];
  console.log(
    `${label}  (a) no hook ${ma.toFixed(1)} µs/request, (b) with hook ${mb.toFixed(1)} µs/request (medians of ${BATCHES} batches of ${REQUESTS}); b − a = ${(mb - ma).toFixed(1)} µs, b/a = ${(mb / ma).toFixed(3)}`,
  );
  figures.push([
    `${label.trim()}: a request, (a) no hook, (b) with hook`,
    `${ma.toFixed(1)} µs`,
    `${mb.toFixed(1)} µs`,
    `${(mb - ma).toFixed(1)} µs`,
    (mb / ma).toFixed(3),
  ]);
}

const plain = await serve(false);
const hooked = await serve(true);
try {
  await compareRequests('inject', injected(plain.app), injected(hooked.app));
  await compareRequests('http  ', overHttp(plain.port), overHttp(hooked.port));
} finally {
  await plain.app.close();
  await hooked.app.close();
  agent.destroy();
}

const metrics = new BatonMetrics({ tenantLabels: false });
const stepTimes: number[] = [];
for (let i = 0; i < ITERATIONS; i++) {
  stepTimes.push(
    await time(async () => {
      for (let s = 0; s < STEPS; s++) {
        metrics.stepFinished('tenant', `plugin-${s % 60}/step`, s % 7 ? 'succeeded' : 'failed', (s % 1000) / 100);
        if (s % 50 === 0) metrics.sandboxKilled('timeout');
      }
    }),
  );
}
console.log(`step  median ${((median(stepTimes) * 1e6) / STEPS).toFixed(0)} ns/step`);

for (let r = 0; r < 150; r++) for (const status of [200, 201, 404, 500]) metrics.httpRequest('GET', `/v1/route-${r}/:id`, status, 0.01);
for (let s = 0; s < 60; s++)
  for (const outcome of ['succeeded', 'failed', 'cancelled'] as const) metrics.stepFinished('tenant', `plugin-${s}/step`, outcome, 1);
let bytes = 0;
const scrapeTimes: number[] = [];
for (let i = 0; i < ITERATIONS; i++) scrapeTimes.push(await time(async () => (bytes = (await metrics.text()).length)));
console.log(`scrape median ${median(scrapeTimes).toFixed(1)} ms for ${(bytes / 1024).toFixed(0)} KiB`);
reportResult({
  title: `Operator metrics: medians of ${BATCHES} batches of ${REQUESTS} requests, ${ITERATIONS} rounds of the step and scrape figures`,
  columns: ['', '(a)', '(b)', 'b − a', 'b/a'],
  rows: [
    ...figures,
    ['step: recording one step', `${((median(stepTimes) * 1e6) / STEPS).toFixed(0)} ns`],
    [`scrape: rendering ${(bytes / 1024).toFixed(0)} KiB`, `${median(scrapeTimes).toFixed(1)} ms`],
  ],
});
