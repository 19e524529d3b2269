import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signDelivery } from '../src/triggers/webhook-signature.js';
import {
  api,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  uniqueName,
  until,
  waitForRun,
  type TestTenant,
} from './support/builders.js';
import { freePort, spawnBaton, waitForHttp } from './support/processes.js';
import { parseSamples, promtoolCheck, valueOf, type Sample } from './support/prometheus.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The API's metrics, as the operator's scraper reads them. */
async function apiText(): Promise<string> {
  const response = await api()
    .get('/metrics')
    .set('authorization', `Bearer ${inject('adminToken')}`)
    .expect(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text;
}

async function workerText(): Promise<string> {
  const response = await fetch(inject('workerMetricsUrl'));
  expect(response.status).toBe(200);
  return response.text();
}

/** The worker counts a run's end just after committing it, so an API read may see the end first. */
async function runEndsCounted(before: Sample[], count: number): Promise<void> {
  await until(async () => delta(before, parseSamples(await workerText()))('baton_runs_finished_total') >= count);
}

const scrape = async () => ({ api: parseSamples(await apiText()), worker: parseSamples(await workerText()) });

/** What moved between two scrapes of one process. */
const delta =
  (before: Sample[], after: Sample[]) =>
  (name: string, labels: Record<string, string> = {}) =>
    valueOf(after, name, labels) - valueOf(before, name, labels);

/** A metrics page promtool accepts, with no id (run, tenant, trigger…) anywhere in it. */
function expectWellFormed(text: string): void {
  expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
  expect(text.match(UUID)?.[0]).toBeUndefined();
}

describe('operator metrics', () => {
  let tenant: TestTenant;

  beforeAll(async () => {
    tenant = await newTenant();
  });

  it('are only for the installation operator on the API port', async () => {
    await api().get('/metrics').expect(401);
    await api().get('/metrics').set('authorization', 'Bearer not-the-admin-token-not-the-admin-token').expect(401);
    // A tenant's credential, however strong its role, never opens an operator route.
    for (const credential of [tenant.apiKey, tenant.token])
      await api().get('/metrics').set('authorization', `Bearer ${credential}`).expect(401);
    const text = await apiText();
    expect(text).toContain('# TYPE baton_http_request_duration_seconds histogram');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
  });

  it('count runs, steps and queue waits by trigger, status and step type as pipelines succeed and fail', async () => {
    const ok = newPipeline(uniqueName('metrics-ok'), {
      hello: { uses: 'core/echo@^1', with: { value: 'hi' } },
      nap: { uses: 'core/sleep@^1', needs: ['hello'], with: { ms: 300 } },
    });
    const bad = newPipeline(uniqueName('metrics-bad'), {
      boom: { uses: 'core/fail@^1', with: { message: 'on purpose', retryable: false } },
    });
    await savePipeline(tenant, ok);
    await savePipeline(tenant, bad);
    const before = await scrape();
    const succeeded = await waitForRun(tenant, await startRun(tenant, ok.name));
    const failed = await waitForRun(tenant, await startRun(tenant, bad.name));
    expect([succeeded.status, failed.status]).toEqual(['succeeded', 'failed']);
    await api().get(`/v1/nothing-here/${randomUUID()}`).expect(404);
    await runEndsCounted(before.worker, 2);
    const after = await scrape();

    const onApi = delta(before.api, after.api);
    expect(onApi('baton_runs_started_total', { trigger: 'api' })).toBe(2);
    expect(
      onApi('baton_http_request_duration_seconds_count', { method: 'POST', route: '/v1/pipelines/:name/runs', status_code: '202' }),
    ).toBe(2);
    expect(
      onApi('baton_http_request_duration_seconds_count', { method: 'GET', route: '/v1/runs/:id', status_code: '200' }),
    ).toBeGreaterThanOrEqual(2);
    expect(onApi('baton_http_request_duration_seconds_count', { method: 'GET', route: '(unmatched)', status_code: '404' })).toBe(1);

    const onWorker = delta(before.worker, after.worker);
    expect(onWorker('baton_runs_finished_total', { status: 'succeeded' })).toBe(1);
    expect(onWorker('baton_runs_finished_total', { status: 'failed' })).toBe(1);
    expect(onWorker('baton_run_queue_wait_seconds_count', { trigger: 'api' })).toBe(2);
    expect(onWorker('baton_step_duration_seconds_count', { step_type: 'core/echo', status: 'succeeded' })).toBe(1);
    expect(onWorker('baton_step_duration_seconds_count', { step_type: 'core/sleep', status: 'succeeded' })).toBe(1);
    expect(onWorker('baton_step_duration_seconds_sum', { step_type: 'core/sleep', status: 'succeeded' })).toBeGreaterThanOrEqual(0.3);
    expect(onWorker('baton_step_duration_seconds_count', { step_type: 'core/fail', status: 'failed' })).toBe(1);
    // The 300 ms step is in the buckets from 0.5 s up, not below.
    expect(onWorker('baton_step_duration_seconds_bucket', { step_type: 'core/sleep', status: 'succeeded', le: '0.25' })).toBe(0);
    expect(onWorker('baton_step_duration_seconds_bucket', { step_type: 'core/sleep', status: 'succeeded', le: '+Inf' })).toBe(1);
    expect(onWorker('baton_sandbox_kills_total')).toBe(0);
  });

  it('count the step processes the sandbox stops, by reason', async () => {
    const slow = newPipeline(uniqueName('metrics-slow'), {
      nap: { uses: 'core/sleep@^1', with: { ms: 60_000 }, timeout: '1s', retry: { maxAttempts: 1 } },
    });
    const long = newPipeline(uniqueName('metrics-long'), { nap: { uses: 'core/sleep@^1', with: { ms: 60_000 } } });
    await savePipeline(tenant, long);
    const before = parseSamples(await workerText());
    const timedOut = await runToEnd(tenant, slow);
    const id = await startRun(tenant, long.name);
    await waitForRun(tenant, id, (run) => run.steps.some((s) => s.status === 'running'));
    await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
    const cancelled = await waitForRun(tenant, id);
    expect([timedOut.status, cancelled.status]).toEqual(['failed', 'cancelled']);
    await runEndsCounted(before, 2);
    const moved = delta(before, parseSamples(await workerText()));
    expect(moved('baton_sandbox_kills_total', { reason: 'timeout' })).toBe(1);
    expect(moved('baton_sandbox_kills_total', { reason: 'cancel' })).toBe(1);
    expect(moved('baton_step_duration_seconds_count', { step_type: 'core/sleep', status: 'failed' })).toBe(1);
    expect(moved('baton_step_duration_seconds_count', { step_type: 'core/sleep', status: 'cancelled' })).toBe(1);
    expect(moved('baton_runs_finished_total', { status: 'cancelled' })).toBe(1);
  });

  it('time inbound webhooks by source and outcome', async () => {
    const pipeline = newPipeline(uniqueName('metrics-hooked'), { hello: { uses: 'core/echo@^1', with: {} } });
    await savePipeline(tenant, pipeline);
    const { body: trigger } = await tenant.post('/v1/triggers', { type: 'webhook', pipeline: pipeline.name, inputs: '{}' }).expect(201);
    const path = new URL(trigger.url).pathname;
    const deliver = (secret: string, delivery: string) => {
      const raw = '{"hello":"world"}';
      const timestamp = Math.floor(Date.now() / 1000);
      return api()
        .post(path)
        .set('content-type', 'application/json')
        .set('x-baton-timestamp', String(timestamp))
        .set('x-baton-signature', signDelivery(secret, timestamp, delivery, raw))
        .set('x-baton-delivery', delivery)
        .send(raw);
    };
    const before = parseSamples(await apiText());
    const delivery = randomUUID();
    const started = await deliver(trigger.secret, delivery).expect(202);
    await deliver(trigger.secret, delivery).expect(200);
    await deliver('bwh_wrong', randomUUID()).expect(401);
    await api().post('/v1/billing/webhook').set('content-type', 'application/json').send('{}');
    const after = parseSamples(await apiText());
    const moved = delta(before, after);
    expect(moved('baton_webhook_duration_seconds_count', { source: 'trigger', outcome: 'started' })).toBe(1);
    expect(moved('baton_webhook_duration_seconds_count', { source: 'trigger', outcome: 'duplicate' })).toBe(1);
    expect(moved('baton_webhook_duration_seconds_count', { source: 'trigger', outcome: 'rejected' })).toBe(1);
    expect(moved('baton_webhook_duration_seconds_count', { source: 'stripe' })).toBe(1);
    expect(moved('baton_runs_started_total', { trigger: 'webhook' })).toBe(1);
    await waitForRun(tenant, started.body.runId);
  });

  it('measure how late schedules fire and count their runs', async () => {
    const pipeline = newPipeline(uniqueName('metrics-sched'), { hello: { uses: 'core/echo@^1', with: {} } });
    await savePipeline(tenant, pipeline);
    const before = parseSamples(await workerText());
    const { body: schedule } = await tenant.post('/v1/schedules', { pipeline: pipeline.name, every: '1s' }).expect(201);
    try {
      await until(async () => delta(before, parseSamples(await workerText()))('baton_schedule_lateness_seconds_count') >= 1, 30_000);
    } finally {
      await tenant.delete(`/v1/schedules/${schedule.id}`).expect(204);
    }
    const moved = delta(before, parseSamples(await workerText()));
    expect(moved('baton_runs_started_total', { trigger: 'schedule' })).toBeGreaterThanOrEqual(1);
    // Recorded within seconds of the time Temporal scheduled, on this idle stack.
    const late = moved('baton_schedule_lateness_seconds_sum') / moved('baton_schedule_lateness_seconds_count');
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(10);
  });

  it('are well-formed for promtool on the API and the worker, without ids', async () => {
    expectWellFormed(await apiText());
    expectWellFormed(await workerText());
  });

  it("carry the Temporal SDK's worker metrics on the worker's page: task slots, polls, schedule-to-start", async () => {
    await runToEnd(tenant, newPipeline(uniqueName('metrics-sdk'), { hello: { uses: 'core/echo@^1', with: {} } }));
    const worker = parseSamples(await workerText());
    const names = [...new Set(worker.map((sample) => sample.name).filter((name) => name.startsWith('temporal_')))];
    for (const name of [
      'temporal_worker_task_slots_available',
      'temporal_num_pollers',
      'temporal_activity_schedule_to_start_latency_seconds_bucket',
      'temporal_workflow_task_schedule_to_start_latency_seconds_bucket',
    ])
      expect(names, name).toContain(name);
    expect(valueOf(worker, 'temporal_worker_task_slots_available', { worker_type: 'ActivityWorker' })).toBeGreaterThan(0);
  });

  describe('on a port of their own', () => {
    let second: ReturnType<typeof spawnBaton> | undefined;
    afterAll(async () => {
      await second?.stop();
    });

    it('are served without a token on METRICS_PORT', async () => {
      const [port, metricsPort] = [await freePort(), await freePort()];
      second = spawnBaton('api', { ...inject('apiEnv'), PORT: String(port), METRICS_PORT: String(metricsPort) });
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, 60_000, () => second!.child.exitCode === null);
      const base = `http://127.0.0.1:${metricsPort}`;
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toContain('baton_http_request_duration_seconds_count{method="GET",route="/readyz",status_code="200"}');
      expectWellFormed(text);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
      expect((await fetch(`${base}/v1/runs`)).status).toBe(404);
    });
  });
});
