import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AlertDispatcher } from '../src/alerts/alert-dispatcher.js';
import { AlertsRepository } from '../src/alerts/alerts.repository.js';
import { ChannelCredentials } from '../src/alerts/channel-credentials.js';
import { ChannelSender } from '../src/alerts/channel-sender.js';
import { WebhookSender } from '../src/alerts/webhook-sender.js';
import { SecretsRepository } from '../src/secrets/secrets.repository.js';
import { SecretsService } from '../src/secrets/secrets.service.js';
import { checkDelivery } from '../src/triggers/webhook-signature.js';
import { api, newPipeline, newTenant, savePipeline, startRun, uniqueName, until, waitForRun, type TestTenant } from './support/builders.js';
import { publishPluginSource } from './support/plugin-packages.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: {
    id: string;
    type: string;
    run?: { id: string; status: string; url: string };
    step?: string;
    data: Record<string, unknown>;
    message: string;
    tenant: string;
    pipeline: string;
  };
}

/** A webhook receiver in the test process: records every request, answers with the planned statuses, then 200. */
async function receiver() {
  const received: Received[] = [];
  const plan: number[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: request.headers, body, json: JSON.parse(body) });
      response.statusCode = plan.shift() ?? 200;
      response.end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    plan,
    about: (runId: string, type?: string) => received.filter((r) => r.json.run?.id === runId && (!type || r.json.type === type)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
type Receiver = Awaited<ReturnType<typeof receiver>>;

/** Channels are managed by admins and owners; the builders' API key is an operator's. */
const asOwner = (tenant: TestTenant) => ({
  get: (path: string) => api().get(path).set('authorization', `Bearer ${tenant.token}`),
  post: (path: string, body?: object) =>
    api()
      .post(path)
      .set('authorization', `Bearer ${tenant.token}`)
      .send(body ?? {}),
  patch: (path: string, body?: object) =>
    api()
      .patch(path)
      .set('authorization', `Bearer ${tenant.token}`)
      .send(body ?? {}),
  delete: (path: string) => api().delete(path).set('authorization', `Bearer ${tenant.token}`),
});

async function newChannel(tenant: TestTenant, url: string, events: string[]): Promise<{ id: string; secret: string }> {
  const response = await asOwner(tenant).post('/v1/notification-channels', { type: 'webhook', url, events, name: 'e2e' });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  expect(response.body).toMatchObject({ type: 'webhook', url, events, enabled: true, secret: expect.stringMatching(/^bwh_/) });
  return response.body;
}

const failing = (name: string, extra: Record<string, unknown> = {}) =>
  newPipeline(name, { boom: { uses: 'core/fail@^1', with: { message: 'the disk is full', retryable: false } } }, extra);

/** The alerts of one run, as the API lists them. */
async function alertsOf(
  tenant: TestTenant,
  runId: string,
): Promise<Array<{ id: string; type: string; stepId: string | null; message: string; data: Record<string, unknown> }>> {
  return (await tenant.get(`/v1/alerts?run=${runId}`).expect(200)).body.items;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('alerts', () => {
  let tenant: TestTenant;
  let hooks: Receiver;
  let channel: { id: string; secret: string };

  beforeAll(async () => {
    tenant = await newTenant();
    hooks = await receiver();
    channel = await newChannel(tenant, hooks.url, ['run.failed']);
  });
  afterAll(() => hooks.close());

  it('delivers one signed run.failed alert for a run that failed, and records it once', async () => {
    const runId = await startRun(tenant, (await savePipeline(tenant, failing(uniqueName('fails')))).name);
    expect((await waitForRun(tenant, runId)).status).toBe('failed');
    await until(async () => hooks.about(runId).length > 0, 20_000);

    const [delivery] = hooks.about(runId);
    expect(delivery.json).toMatchObject({
      type: 'run.failed',
      tenant: tenant.tenantId,
      run: { id: runId, status: 'failed', url: expect.stringContaining(`/v1/runs/${runId}`) },
      message: expect.stringContaining('the disk is full'),
    });
    // Signed like inbound webhooks: the receiver checks it with the secret it was shown once.
    expect(checkDelivery(channel.secret, Buffer.from(delivery.body), delivery.headers)).toBe('ok');
    expect(checkDelivery(channel.secret, Buffer.from(delivery.body.replace('failed', 'succeeded')), delivery.headers)).toBe('mismatch');
    expect(delivery.headers['x-baton-event']).toBe('run.failed');

    // Later passes find the same run again and record nothing new.
    await settle(3_000);
    expect(hooks.about(runId)).toHaveLength(1);
    const alerts = await alertsOf(tenant, runId);
    expect(alerts).toEqual([expect.objectContaining({ id: delivery.json.id, type: 'run.failed', stepId: null })]);
    const { body: alert } = await tenant.get(`/v1/alerts/${alerts[0].id}`).expect(200);
    expect(alert.deliveries).toEqual([
      expect.objectContaining({
        id: delivery.headers['x-baton-delivery'],
        channel: expect.objectContaining({ id: channel.id }),
        status: 'delivered',
        attempts: 1,
        log: [expect.objectContaining({ attempt: 1, statusCode: 200, error: null })],
      }),
    ]);
  });

  it('retries a delivery the receiver refused, with the same delivery id, logging every attempt', async () => {
    const flaky = await receiver();
    try {
      const other = await newTenant();
      await newChannel(other, flaky.url, ['run.failed']);
      flaky.plan.push(500, 503);
      const runId = await startRun(other, (await savePipeline(other, failing(uniqueName('flaky')))).name);
      await waitForRun(other, runId);
      await until(async () => flaky.about(runId).length === 3, 30_000);

      const attempts = flaky.about(runId);
      expect(new Set(attempts.map((a) => a.headers['x-baton-delivery'])).size).toBe(1);
      const [alert] = await alertsOf(other, runId);
      await until(async () => (await other.get(`/v1/alerts/${alert.id}`).expect(200)).body.deliveries[0].status === 'delivered');
      const { body } = await other.get(`/v1/alerts/${alert.id}`).expect(200);
      expect(body.deliveries).toHaveLength(1);
      expect(body.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3, lastError: null, deliveredAt: expect.any(String) });
      expect(
        body.deliveries[0].log.map((a: { attempt: number; statusCode: number; error: string | null }) => [
          a.attempt,
          a.statusCode,
          a.error,
        ]),
      ).toEqual([
        [1, 500, 'HTTP 500 Internal Server Error'],
        [2, 503, 'HTTP 503 Service Unavailable'],
        [3, 200, null],
      ]);
      expect(body.deliveries[0].log.every((a: { durationMs: number }) => a.durationMs >= 0)).toBe(true);
    } finally {
      await flaky.close();
    }
  });

  it('records and delivers each alert once while other replicas look for it and send it at the same time, leader lock or not', async () => {
    const busy = await receiver();
    const sources: DataSource[] = [];
    let stop = false;
    try {
      const other = await newTenant();
      await newChannel(other, busy.url, ['run.failed']);
      const config = {
        jwtSecret: inject('jwtSecret'),
        webhookSigningKey: inject('apiEnv').WEBHOOK_SIGNING_KEY,
        publicUrl: inject('baseUrl'),
        ALERT_MAX_ATTEMPTS: 8,
        ALERT_RETRY_BASE: '200ms',
        ALERT_DELIVERY_TIMEOUT: '10s',
        ALERT_WEBHOOK_ALLOW_CIDRS: ['127.0.0.1/32'],
        MAIL_FROM: 'baton@example.test',
      };
      // The stack's API bills nothing: no usage to measure.
      const noPlans = { monthlyAllowances: () => null };
      // Three more replicas that skip the leader lock and poll as fast as they can, beside the stack's API.
      const replicas = [];
      for (let i = 0; i < 3; i++) {
        const db = await new DataSource({ type: 'postgres', url: inject('databaseUrl'), poolSize: 3 }).initialize();
        sources.push(db);
        const http = new WebhookSender(config);
        // Its channels' URLs are their own: the replicas need no secret store.
        const credentials = new ChannelCredentials(new SecretsService(new SecretsRepository(db), { masterKeys: [] }), http);
        replicas.push(new AlertDispatcher(new AlertsRepository(db), new ChannelSender(http, credentials, config), noPlans, config));
      }
      const loops = replicas.map(async (replica) => {
        while (!stop) {
          await Promise.all([replica.detect(), replica.deliverDue()]);
          await settle(5);
        }
      });
      const runs = await Promise.all(
        [1, 2, 3].map(async () => startRun(other, (await savePipeline(other, failing(uniqueName('racy')))).name)),
      );
      await Promise.all(runs.map((id) => waitForRun(other, id)));
      await until(async () => runs.every((id) => busy.about(id).length > 0), 20_000);
      await settle(2_500);
      stop = true;
      await Promise.all(loops);

      for (const runId of runs) {
        expect(busy.about(runId)).toHaveLength(1);
        const alerts = await alertsOf(other, runId);
        expect(alerts).toHaveLength(1);
        const { body } = await other.get(`/v1/alerts/${alerts[0].id}`).expect(200);
        expect(body.deliveries).toEqual([
          expect.objectContaining({ status: 'delivered', attempts: 1, log: [expect.objectContaining({ attempt: 1, statusCode: 200 })] }),
        ]);
      }
    } finally {
      stop = true;
      await Promise.all(sources.map((db) => db.destroy()));
      await busy.close();
    }
  });

  it('sends a delivery a replica claimed and then died with once its claim runs out, from what PostgreSQL holds', async () => {
    const late = await receiver();
    const db = await new DataSource({ type: 'postgres', url: inject('databaseUrl'), poolSize: 1 }).initialize();
    try {
      const other = await newTenant();
      const runId = await startRun(other, (await savePipeline(other, failing(uniqueName('orphan')))).name);
      await waitForRun(other, runId);
      await until(async () => (await alertsOf(other, runId)).length === 1, 20_000);
      const [alert] = await alertsOf(other, runId);
      const created = await newChannel(other, late.url, ['run.failed']);
      // What a replica leaves behind when it dies mid-request: the attempt claimed (counted, its lease
      // running), nothing logged, nothing sent. No process holds anything of it but PostgreSQL.
      const deliveryId = randomUUID();
      await db.query(
        `INSERT INTO alert_delivery (id, tenant_id, alert_id, channel_id, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, 1, now() + interval '2 seconds')`,
        [deliveryId, other.tenantId, alert.id, created.id],
      );
      await settle(1_000);
      expect(late.received).toEqual([]);
      await until(async () => late.received.length > 0, 20_000);
      expect(late.received[0].headers['x-baton-delivery']).toBe(deliveryId);
      expect(late.received[0].json).toMatchObject({ id: alert.id, type: 'run.failed', run: { id: runId } });
      await until(async () => (await other.get(`/v1/alerts/${alert.id}`).expect(200)).body.deliveries[0]?.status === 'delivered');
      const { body } = await other.get(`/v1/alerts/${alert.id}`).expect(200);
      expect(body.deliveries[0]).toMatchObject({
        id: deliveryId,
        attempts: 2,
        log: [expect.objectContaining({ attempt: 2, statusCode: 200 })],
      });
    } finally {
      await db.destroy();
      await late.close();
    }
  });

  it('raises sla.at_risk and then sla.breached once each, while the run is still going past its SLA', async () => {
    const slow = await receiver();
    try {
      const other = await newTenant();
      await newChannel(other, slow.url, ['sla.at_risk', 'sla.breached']);
      const definition = newPipeline(uniqueName('slow'), { nap: { uses: 'core/sleep@^1', with: { ms: 7_000 } } }, { sla: '4s' });
      const runId = await startRun(other, (await savePipeline(other, definition)).name);
      await until(async () => slow.about(runId).length === 2, 20_000);
      // Both raised before the run ended, about a run still going; at risk once 80% of the SLA went by.
      const [atRisk] = slow.about(runId, 'sla.at_risk');
      const [breached] = slow.about(runId, 'sla.breached');
      for (const alert of [atRisk, breached]) expect(alert.json).toMatchObject({ run: { status: 'running' }, data: { sla: '4s' } });
      // When each happened is the run's start plus its share of the SLA (to the millisecond the columns keep).
      const started = Date.parse((breached.json.data as { startedAt: string }).startedAt);
      const after = (r: Received) => Date.parse((r.json as unknown as { occurredAt: string }).occurredAt) - started;
      expect(Math.abs(after(atRisk) - 3_200)).toBeLessThanOrEqual(1);
      expect(Math.abs(after(breached) - 4_000)).toBeLessThanOrEqual(1);
      expect((await other.get(`/v1/runs/${runId}`).expect(200)).body.status).toBe('running');

      expect((await waitForRun(other, runId)).status).toBe('succeeded');
      await settle(2_500);
      expect(slow.about(runId)).toHaveLength(2);
      expect((await alertsOf(other, runId)).map((a) => a.type).sort()).toEqual(['sla.at_risk', 'sla.breached']);
    } finally {
      await slow.close();
    }
  });

  it('raises fire.skipped when a schedule fires into a pipeline its inputs no longer fit, once per fire', async () => {
    const missed = await receiver();
    const other = await newTenant();
    let scheduleId: string | undefined;
    try {
      await newChannel(other, missed.url, ['fire.skipped']);
      const name = uniqueName('refit');
      await savePipeline(other, newPipeline(name, { hello: { uses: 'core/echo@^1', with: { message: 'hi' } } }));
      scheduleId = (await other.post('/v1/schedules', { pipeline: name, every: '2s' }).expect(201)).body.id;
      // The pipeline now needs an input the schedule does not give: its fires start nothing.
      await savePipeline(
        other,
        newPipeline(
          name,
          { hello: { uses: 'core/echo@^1', with: { message: '${{ inputs.region }}' } } },
          { inputs: { region: { type: 'string' } }, required: ['region'] },
        ),
      );
      await until(async () => missed.received.length >= 2, 30_000);
      await other.post(`/v1/schedules/${scheduleId}/pause`).expect(200);
      const [first, second] = missed.received.map((r) => r.json);
      expect(first).toMatchObject({ type: 'fire.skipped', tenant: other.tenantId, pipeline: name, data: { schedule: scheduleId } });
      expect(first).not.toHaveProperty('run');
      expect(first.message).toContain("the schedule's inputs do not fit");
      expect(first.message).toContain('region');
      // Each fire is its own alert.
      expect(second.id).not.toBe(first.id);
      const { body } = await other.get(`/v1/alerts?type=fire.skipped`).expect(200);
      expect(body.items.length).toBeGreaterThanOrEqual(2);
      expect(body.items[0]).toMatchObject({ pipeline: name, runId: null });
    } finally {
      if (scheduleId) await other.delete(`/v1/schedules/${scheduleId}`);
      await missed.close();
    }
  });

  it('raises fire.skipped when a pipeline trigger goes off and its pipeline does not take what it is given', async () => {
    const missed = await receiver();
    try {
      const other = await newTenant();
      await newChannel(other, missed.url, ['fire.skipped']);
      const source = uniqueName('source');
      const target = uniqueName('target');
      await savePipeline(other, newPipeline(source, { hello: { uses: 'core/echo@^1', with: { message: 'hi' } } }));
      await savePipeline(
        other,
        newPipeline(
          target,
          { hello: { uses: 'core/echo@^1', with: {} } },
          { inputs: { region: { type: 'string' } }, required: ['region'] },
        ),
      );
      const trigger = (await other.post('/v1/triggers', { type: 'pipeline', pipeline: target, source, on: 'succeeded' }).expect(201)).body;
      const sourceRun = await startRun(other, source);
      await waitForRun(other, sourceRun);
      await until(async () => missed.received.length > 0, 20_000);
      expect(missed.received[0].json).toMatchObject({
        type: 'fire.skipped',
        pipeline: target,
        data: { trigger: trigger.id, sourceRun, reason: expect.stringContaining('region') },
      });
      await settle(2_500);
      expect(missed.received).toHaveLength(1);
    } finally {
      await missed.close();
    }
  });

  it('raises quality.failed for a failed quality check, and sends a channel only the kinds it subscribed to', async () => {
    const checks = await receiver();
    try {
      const other = await newTenant();
      await newChannel(other, checks.url, ['quality.failed']);
      const definition = newPipeline(uniqueName('quality'), {
        check: {
          uses: 'quality/expect@^1',
          with: {
            dataset: [
              { id: 1, email: 'a@example.test' },
              { id: 2, email: null },
            ],
            expect: [{ notNull: 'email' }],
          },
        },
      });
      const runId = await startRun(other, (await savePipeline(other, definition)).name);
      expect((await waitForRun(other, runId)).status).toBe('failed');
      await until(async () => (await alertsOf(other, runId)).length === 2, 20_000);
      await until(async () => checks.about(runId).length > 0, 20_000);
      await settle(2_000);

      // The run failed too, and that alert is recorded; but this channel only hears of the quality check.
      expect((await alertsOf(other, runId)).map((a) => a.type).sort()).toEqual(['quality.failed', 'run.failed']);
      expect(checks.about(runId).map((r) => r.json.type)).toEqual(['quality.failed']);
      expect(checks.about(runId)[0].json).toMatchObject({
        step: 'check',
        message: expect.stringContaining('Quality checks failed in step check'),
        data: { error: { stepCode: 'quality_failed' } },
      });
      const quality = (await other.get(`/v1/alerts?run=${runId}&type=quality.failed`).expect(200)).body.items;
      expect(quality).toEqual([expect.objectContaining({ type: 'quality.failed', stepId: 'check' })]);
    } finally {
      await checks.close();
    }
  });

  it('raises model.drift_detected when a step emits it with ctx.emit', async () => {
    const drift = await receiver();
    try {
      const other = await newTenant();
      await newChannel(other, drift.url, ['model.drift_detected']);
      const plugin = await publishDriftPlugin(other);
      const definition = newPipeline(uniqueName('drift'), { watch: { uses: `${plugin}/drift@^1`, with: { psi: 0.31 } } });
      const runId = await startRun(other, (await savePipeline(other, definition)).name);
      expect((await waitForRun(other, runId)).status).toBe('succeeded');
      await until(async () => drift.about(runId).length > 0, 20_000);

      expect(drift.about(runId)[0].json).toMatchObject({
        type: 'model.drift_detected',
        step: 'watch',
        run: { id: runId },
        data: { model: 'churn', feature: 'age', psi: 0.31 },
      });
      // Emitted twice by the step (two features): one alert per step execution.
      await settle(2_000);
      expect(drift.about(runId)).toHaveLength(1);
      expect((await alertsOf(other, runId)).map((a) => a.type)).toEqual(['model.drift_detected']);
      const events = (await other.get(`/v1/runs/${runId}/events?limit=1000`).expect(200)).body.items.filter(
        (e: { type: string }) => e.type === 'model.drift_detected',
      );
      expect(events).toHaveLength(2);
    } finally {
      await drift.close();
    }
  });

  it('sends a signed test delivery on demand, and stops sending when the channel is disabled', async () => {
    const { body } = await asOwner(tenant).post(`/v1/notification-channels/${channel.id}/test`).expect(200);
    expect(body).toMatchObject({ delivered: true, statusCode: 200, error: null });
    const tests = hooks.received.filter((r) => r.json.type === 'test');
    expect(tests).toHaveLength(1);
    const test = tests[0];
    expect(test.headers['x-baton-delivery']).toBe(body.deliveryId);
    expect(checkDelivery(channel.secret, Buffer.from(test.body), test.headers)).toBe('ok');

    await asOwner(tenant).patch(`/v1/notification-channels/${channel.id}`, { enabled: false }).expect(200);
    const runId = await startRun(tenant, (await savePipeline(tenant, failing(uniqueName('muted')))).name);
    await waitForRun(tenant, runId);
    await until(async () => (await alertsOf(tenant, runId)).length === 1, 20_000);
    await settle(2_000);
    expect(hooks.about(runId)).toEqual([]);
    const { body: alert } = await tenant.get(`/v1/alerts/${(await alertsOf(tenant, runId))[0].id}`).expect(200);
    expect(alert.deliveries).toEqual([]);
    await asOwner(tenant).patch(`/v1/notification-channels/${channel.id}`, { enabled: true }).expect(200);
  });

  it('keeps each tenant to its own alerts and channels', async () => {
    const { body: mine } = await tenant.get('/v1/alerts').expect(200);
    expect(mine.items.length).toBeGreaterThan(0);
    const alertId = mine.items[0].id;
    const other = await newTenant();
    expect((await other.get('/v1/alerts').expect(200)).body.items).toEqual([]);
    await other.get(`/v1/alerts/${alertId}`).expect(404);
    expect((await asOwner(other).get('/v1/notification-channels').expect(200)).body.items).toEqual([]);
    await asOwner(other).get(`/v1/notification-channels/${channel.id}`).expect(404);
    await asOwner(other).patch(`/v1/notification-channels/${channel.id}`, { enabled: false }).expect(404);
    await asOwner(other).post(`/v1/notification-channels/${channel.id}/test`).expect(404);
    await asOwner(other).delete(`/v1/notification-channels/${channel.id}`).expect(404);
    expect((await asOwner(tenant).get(`/v1/notification-channels/${channel.id}`).expect(200)).body.enabled).toBe(true);
  });

  it('lists alerts newest first, a page at a time, filtered by type, pipeline, run and time', async () => {
    const name = (await savePipeline(tenant, failing(uniqueName('paged')))).name;
    const runs = [await startRun(tenant, name), await startRun(tenant, name), await startRun(tenant, name)];
    await Promise.all(runs.map((id) => waitForRun(tenant, id)));
    await until(async () => (await tenant.get(`/v1/alerts?pipeline=${name}`).expect(200)).body.items.length === 3, 20_000);

    const first = (await tenant.get(`/v1/alerts?pipeline=${name}&limit=2`).expect(200)).body;
    expect(first.items).toHaveLength(2);
    const second = (await tenant.get(`/v1/alerts?pipeline=${name}&limit=2&cursor=${first.nextCursor}`).expect(200)).body;
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const all = [...first.items, ...second.items];
    expect(new Set(all.map((a: { runId: string }) => a.runId))).toEqual(new Set(runs));
    const times = all.map((a: { createdAt: string }) => a.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await tenant.get(`/v1/alerts?pipeline=${name}&type=sla.breached`).expect(200)).body.items).toEqual([]);
    expect(
      (await tenant.get(`/v1/alerts?pipeline=${name}&from=${new Date(Date.now() + 60_000).toISOString()}`).expect(200)).body.items,
    ).toEqual([]);
    expect(
      (await tenant.get(`/v1/alerts?pipeline=${name}&to=${new Date(Date.now() + 60_000).toISOString()}`).expect(200)).body.items,
    ).toHaveLength(3);
  });

  it('refuses bad input with the field named, and webhook URLs on private addresses', async () => {
    const create = (body: object) => asOwner(tenant).post('/v1/notification-channels', body);
    const paths = (response: { body: { errors?: Array<{ path: string }> } }) => response.body.errors?.map((e) => e.path);

    const badEvent = await create({ type: 'webhook', url: hooks.url, events: ['run.failed', 'run.exploded'] }).expect(400);
    expect(badEvent.headers['content-type']).toContain('application/problem+json');
    expect(paths(badEvent)).toEqual(['events[1]']);
    expect(badEvent.body.errors[0].message).toContain(
      'run.failed, run.recovered, sla.at_risk, sla.breached, quality.failed, model.drift_detected, usage.warning, usage.exceeded',
    );
    expect(paths(await create({ type: 'webhook', url: hooks.url, events: [] }).expect(400))).toEqual(['events']);
    expect(paths(await create({ type: 'webhook', url: hooks.url, events: ['run.failed', 'run.failed'] }).expect(400))).toEqual(['events']);
    expect(paths(await create({ type: 'webhook', url: 'ftp://example.com/x', events: ['run.failed'] }).expect(400))).toEqual(['url']);
    expect(paths(await create({ type: 'sms', url: hooks.url, events: ['run.failed'] }).expect(400))).toEqual(['type']);
    expect(paths(await create({ type: 'webhook', url: hooks.url, events: ['run.failed'], colour: 'red' }).expect(400))).toEqual(['colour']);
    expect(
      paths(
        await asOwner(tenant)
          .patch(`/v1/notification-channels/${channel.id}`, { events: ['nope'] })
          .expect(400),
      ),
    ).toEqual(['events[0]']);
    expect(paths(await tenant.get('/v1/alerts?type=run.exploded').expect(400))).toEqual(['query.type']);
    expect(paths(await tenant.get('/v1/alerts?run=not-a-uuid').expect(400))).toEqual(['query.run']);
    await tenant.get('/v1/alerts/not-a-uuid').expect(400);

    // Loopback (but the allowed 127.0.0.1), private, link-local/metadata, and names resolving to them.
    for (const url of [
      'http://10.0.0.7/hook',
      'http://192.168.1.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/hook',
      'http://127.0.0.2/hook',
    ]) {
      const refused = await create({ type: 'webhook', url, events: ['run.failed'] });
      expect(refused.status, `${url}: ${JSON.stringify(refused.body)}`).toBe(422);
      expect(paths(refused)).toEqual(['url']);
    }
    const refusedUpdate = await asOwner(tenant)
      .patch(`/v1/notification-channels/${channel.id}`, { url: 'http://10.0.0.7/hook' })
      .expect(422);
    expect(paths(refusedUpdate)).toEqual(['url']);
    // Operators read alerts but do not manage channels.
    await tenant.post('/v1/notification-channels', { type: 'webhook', url: hooks.url, events: ['run.failed'] }).expect(403);
  });
});

/** Publishes (and enables) a plugin whose `drift` step emits two drift events, the way issue 8's `ml/drift` will. */
async function publishDriftPlugin(tenant: TestTenant): Promise<string> {
  const name = uniqueName('drifty');
  return publishPluginSource(tenant, {
    name,
    publisher: uniqueName('drift-pub'),
    source: `import { definePlugin, defineStep } from '@baton/plugin-sdk';
import { z } from 'zod';
export default definePlugin({
  name: ${JSON.stringify(name)}, version: '1.0.0',
  steps: [defineStep({
    id: 'drift', title: 'Drift', input: z.object({ psi: z.number() }), output: z.object({ drifted: z.boolean() }),
    run: ({ psi }, ctx) => {
      ctx.emit('model.drift_detected', { model: 'churn', feature: 'age', psi });
      ctx.emit('model.drift_detected', { model: 'churn', feature: 'income', psi: psi / 2 });
      return { drifted: true };
    },
  })],
});
`,
  });
}
