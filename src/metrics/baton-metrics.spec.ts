import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { parseSamples, valueOf } from '../../test/support/prometheus.js';
import { BatonMetrics, UNMATCHED_ROUTE } from '../runtime/metrics/baton-metrics.js';
import { observeRequests, webhookOutcome } from './http-metrics.js';

const TENANT = '7d3f2c1e-0b7a-4c55-9a51-2f0f1d9e8c44';

describe(BatonMetrics.name, () => {
  it('labels run and step metrics with the tenant only when asked to', async () => {
    for (const tenantLabels of [false, true]) {
      const metrics = new BatonMetrics({ tenantLabels });
      metrics.runStarted(TENANT, 'api');
      metrics.runFinished(TENANT, 'failed');
      metrics.runDequeued(TENANT, 'schedule', 0.2);
      metrics.scheduleFired(TENANT, 1.5);
      metrics.stepFinished(TENANT, 'core/echo', 'succeeded', 0.05);
      const text = await metrics.text();
      expect(text.includes(TENANT)).toBe(tenantLabels);
      const samples = parseSamples(text);
      const tenant: Record<string, string> = tenantLabels ? { tenant: TENANT } : {};
      expect(valueOf(samples, 'baton_runs_started_total', { trigger: 'api', ...tenant })).toBe(1);
      expect(valueOf(samples, 'baton_runs_finished_total', { status: 'failed', ...tenant })).toBe(1);
      expect(valueOf(samples, 'baton_run_queue_wait_seconds_count', { trigger: 'schedule', ...tenant })).toBe(1);
      expect(valueOf(samples, 'baton_schedule_lateness_seconds_sum', tenant)).toBe(1.5);
      expect(valueOf(samples, 'baton_step_duration_seconds_count', { step_type: 'core/echo', status: 'succeeded', ...tenant })).toBe(1);
    }
  });

  it('clamps waits a skewed clock made negative to zero', async () => {
    const metrics = new BatonMetrics({ tenantLabels: false });
    metrics.runDequeued(TENANT, 'api', -0.4);
    expect(valueOf(parseSamples(await metrics.text()), 'baton_run_queue_wait_seconds_bucket', { le: '0.01' })).toBe(1);
  });

  it('reads the run outbox backlog once per scrape, and a failed read makes it NaN, not a failed scrape', async () => {
    const metrics = new BatonMetrics({ tenantLabels: false });
    let reads = 0;
    let failing = false;
    metrics.watchDispatchBacklog(async () => {
      reads += 1;
      if (failing) throw new Error('database down');
      return { engine: 2, slot: 3, dispatch: 1, oldestSeconds: 42.5 };
    });
    const samples = parseSamples(await metrics.text());
    expect(reads).toBe(1);
    expect(['engine', 'slot', 'dispatch'].map((w) => valueOf(samples, 'baton_run_dispatch_pending', { waiting_for: w }))).toEqual([
      2, 3, 1,
    ]);
    expect(valueOf(samples, 'baton_run_dispatch_oldest_seconds', {})).toBe(42.5);

    failing = true;
    await new Promise((r) => setTimeout(r, 1_050));
    const failed = parseSamples(await metrics.text());
    expect(valueOf(failed, 'baton_run_dispatch_oldest_seconds', {})).toBeNaN();
    expect(valueOf(failed, 'baton_run_dispatch_pending', { waiting_for: 'slot' })).toBeNaN();
  });

  it("counts the sweep's actions from zero", async () => {
    const metrics = new BatonMetrics({ tenantLabels: false });
    metrics.runsSwept('restarted', 2);
    metrics.runsSwept('settled', 0);
    const samples = parseSamples(await metrics.text());
    expect(valueOf(samples, 'baton_run_sweep_actions_total', { action: 'restarted' })).toBe(2);
    expect(valueOf(samples, 'baton_run_sweep_actions_total', { action: 'settled' })).toBe(0);
  });

  it('labels requests by route pattern, never by URL, and maps unknown methods and routes to fixed values', async () => {
    const metrics = new BatonMetrics({ tenantLabels: false });
    const app = Fastify();
    app.get('/v1/runs/:id', async () => ({ ok: true }));
    app.post('/v1/hooks/:id', async (_request, reply) => reply.status(202).send({}));
    observeRequests(app, metrics);
    await app.inject({ method: 'GET', url: `/v1/runs/${TENANT}?x=1` });
    await app.inject({ method: 'GET', url: `/v1/nothing/${TENANT}` });
    await app.inject({ method: 'POST', url: `/v1/hooks/${TENANT}` });
    await app.close();
    const text = await metrics.text();
    expect(text).not.toContain(TENANT);
    const samples = parseSamples(text);
    expect(
      valueOf(samples, 'baton_http_request_duration_seconds_count', { method: 'GET', route: '/v1/runs/:id', status_code: '200' }),
    ).toBe(1);
    expect(
      valueOf(samples, 'baton_http_request_duration_seconds_count', { method: 'GET', route: UNMATCHED_ROUTE, status_code: '404' }),
    ).toBe(1);
    expect(valueOf(samples, 'baton_webhook_duration_seconds_count', { source: 'trigger', outcome: 'started' })).toBe(1);
    metrics.httpRequest('BREW', undefined, 404, 0.001);
    expect(valueOf(parseSamples(await metrics.text()), 'baton_http_request_duration_seconds_count', { method: 'OTHER' })).toBe(1);
  });

  it('names webhook outcomes from the status the API answered', () => {
    expect([202, 200, 401, 404, 500].map((status) => webhookOutcome('trigger', status))).toEqual([
      'started',
      'duplicate',
      'rejected',
      'rejected',
      'error',
    ]);
    expect([200, 400, 503].map((status) => webhookOutcome('stripe', status))).toEqual(['processed', 'rejected', 'error']);
  });
});
