import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { BillingRepository } from '../src/billing/billing.repository.js';
import { EntitlementsService } from '../src/billing/entitlements.service.js';
import { PlanCatalog } from '../src/runtime/ledger/plans.js';
import { StripeGateway } from '../src/billing/stripe.provider.js';
import { LeaderLock } from '../src/runtime/database/leader-lock.js';
import { LeaderJobs } from '../src/database/leader-jobs.js';
import { SchedulesReconcilerJob } from '../src/schedules/schedules-reconciler.cron.js';
import { SchedulesRepository } from '../src/schedules/schedules.repository.js';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { api, newPipeline, newTenant, uniqueName, until, waitForRun, type TestTenant } from './support/builders.js';
import { freePort, spawnBaton, waitForHttp } from './support/processes.js';

interface RunSummary {
  id: string;
  status: string;
  trigger: string;
  scheduleId: string | null;
  startedAt: string | null;
  endedAt: string | null;
  createdAt: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('schedules', () => {
  let temporal: Client;
  let tenant: TestTenant;
  const schedulesToDelete: string[] = [];

  beforeAll(async () => {
    temporal = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    tenant = await newTenant();
  });
  afterAll(async () => {
    for (const id of schedulesToDelete) await tenant.delete(`/v1/schedules/${id}`);
    await temporal?.connection.close();
  });

  async function pipeline(steps: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}): Promise<string> {
    const name = uniqueName('sched');
    await tenant.put(`/v1/pipelines/${name}`, newPipeline(name, steps, extra)).expect(201);
    return name;
  }

  async function schedule(body: Record<string, unknown>): Promise<string> {
    const response = await tenant.post('/v1/schedules', body);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    schedulesToDelete.push(response.body.id);
    return response.body.id;
  }

  async function runsOf(scheduleId: string): Promise<RunSummary[]> {
    return (await tenant.get(`/v1/runs?trigger=schedule&schedule=${scheduleId}&limit=500`).expect(200)).body.items;
  }

  /** Most runs that were going at once. */
  function maxOverlap(runs: RunSummary[]): number {
    const edges = runs.flatMap(
      (r) =>
        [
          [Date.parse(r.startedAt ?? r.createdAt), 1],
          [r.endedAt ? Date.parse(r.endedAt) : Infinity, -1],
        ] as Array<[number, number]>,
    );
    let [now, max] = [0, 0];
    for (const [, delta] of edges.sort((a, b) => a[0] - b[0] || a[1] - b[1])) max = Math.max(max, (now += delta));
    return max;
  }

  it('fires every 2 s: runs with trigger `schedule` and the schedule id, next fire times and recent runs', async () => {
    const name = await pipeline(
      { hello: { uses: 'core/echo@^1', with: { value: '${{ inputs.who }}' } } },
      { inputs: { who: { type: 'string' } } },
    );
    const id = await schedule({ pipeline: name, every: '2s', inputs: { who: 'cron' } });
    await until(async () => (await runsOf(id)).filter((r) => r.status === 'succeeded').length >= 2, 20_000);
    const runs = await runsOf(id);
    expect(runs.every((r) => r.trigger === 'schedule' && r.scheduleId === id)).toBe(true);
    const run = await waitForRun(tenant, runs.at(-1)!.id);
    expect(run).toMatchObject({ status: 'succeeded', pipeline: name, inputs: { who: 'cron' } });
    const { body } = await tenant.get(`/v1/schedules/${id}`).expect(200);
    expect(body).toMatchObject({
      id,
      pipeline: name,
      every: '2s',
      cron: null,
      timezone: 'UTC',
      overlap: 'skip',
      paused: false,
      engine: { paused: false },
    });
    expect(body.nextRuns).toHaveLength(5);
    const gaps = body.nextRuns.slice(1).map((t: string, i: number) => Date.parse(t) - Date.parse(body.nextRuns[i]));
    expect(gaps).toEqual([2000, 2000, 2000, 2000]);
    expect(body.recentRuns.map((r: { runId: string }) => r.runId)).toEqual(expect.arrayContaining(runs.slice(0, 2).map((r) => r.id)));
    // Listed with the other runs, filtered by trigger.
    const { body: all } = await tenant.get('/v1/runs?trigger=schedule').expect(200);
    expect(all.items.every((r: RunSummary) => r.trigger === 'schedule')).toBe(true);
  });

  it('refuses a bad cron expression, time zone, pipeline or inputs with 422 naming the field', async () => {
    const name = await pipeline({ hello: { uses: 'core/echo@^1', with: {} } }, { inputs: { n: { type: 'integer' } } });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ pipeline: name, cron: 'every tuesday', inputs: { n: 1 } }, 'cron'],
      [{ pipeline: name, cron: '61 * * * *', inputs: { n: 1 } }, 'cron'],
      [{ pipeline: name, cron: '@daily', timezone: 'Mars/Olympus_Mons', inputs: { n: 1 } }, 'timezone'],
      [{ pipeline: 'no-such-pipeline', cron: '@daily' }, 'pipeline'],
      [{ pipeline: name, cron: '@daily', inputs: { n: 'many' } }, 'inputs.n'],
    ];
    for (const [body, field] of cases) {
      const response = await tenant.post('/v1/schedules', body);
      expect(response.status, JSON.stringify(response.body)).toBe(422);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    const both = await tenant.post('/v1/schedules', { pipeline: name, cron: '@daily', every: '1h' }).expect(400);
    expect(both.body.errors[0].path).toBe('cron');
    await tenant.post('/v1/schedules', { pipeline: name, every: 'soon' }).expect(400);
    // Nothing was kept.
    expect((await tenant.get(`/v1/schedules?pipeline=${name}`).expect(200)).body.items).toEqual([]);
  });

  it('stops firing when paused and starts again when resumed; trigger runs it now, even paused', async () => {
    const name = await pipeline({ hello: { uses: 'core/echo@^1', with: {} } });
    const id = await schedule({ pipeline: name, every: '1s' });
    await until(async () => (await runsOf(id)).length >= 1, 15_000);
    expect((await tenant.post(`/v1/schedules/${id}/pause`).expect(200)).body.paused).toBe(true);
    await sleep(1_500);
    const whenPaused = (await runsOf(id)).length;
    await sleep(3_000);
    expect((await runsOf(id)).length).toBe(whenPaused);
    expect((await tenant.get(`/v1/schedules/${id}`).expect(200)).body.engine.paused).toBe(true);
    await tenant.post(`/v1/schedules/${id}/trigger`, {}).expect(202);
    await until(async () => (await runsOf(id)).length === whenPaused + 1, 10_000);
    await tenant.post(`/v1/schedules/${id}/resume`).expect(200);
    await until(async () => (await runsOf(id)).length >= whenPaused + 3, 15_000);
  });

  it('backfills a past window with the runs it would have started', async () => {
    const name = await pipeline({ hello: { uses: 'core/echo@^1', with: {} } });
    const id = await schedule({ pipeline: name, cron: '* * * * *', paused: true });
    const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000);
    const from = new Date(to.getTime() - 5 * 60_000);
    // The preview names the runs the backfill will start, from Temporal's calendar, and starts none.
    const everyMinute = Array.from({ length: 6 }, (_, i) => new Date(from.getTime() + i * 60_000).toISOString());
    const preview = await tenant
      .post(`/v1/schedules/${id}/backfill/preview`, { from: from.toISOString(), to: to.toISOString() })
      .expect(200);
    expect(preview.body).toEqual({ count: 6, times: everyMinute, truncated: false });
    expect(await runsOf(id)).toEqual([]);
    const stranger = await newTenant();
    await stranger.post(`/v1/schedules/${id}/backfill/preview`, { from: from.toISOString(), to: to.toISOString() }).expect(404);
    // A year of minutes: Temporal lists its first 1,000 and says there are more.
    const year = await tenant
      .post(`/v1/schedules/${id}/backfill/preview`, { from: new Date(to.getTime() - 365 * 86_400_000).toISOString(), to: to.toISOString() })
      .expect(200);
    expect(year.body).toMatchObject({ count: 1_000, truncated: true });

    const started = await tenant.post(`/v1/schedules/${id}/backfill`, { from: from.toISOString(), to: to.toISOString() }).expect(202);
    expect(started.body).toEqual(preview.body);
    await until(async () => (await runsOf(id)).filter((r) => r.status === 'succeeded').length >= 5, 20_000);
    await sleep(2_000);
    // One run a minute from `from` to `to`, both ends included.
    expect((await runsOf(id)).length).toBe(6);
    await tenant.post(`/v1/schedules/${id}/backfill`, { from: to.toISOString(), to: from.toISOString() }).expect(400);
  });

  it('applies the overlap policy to runs: skip and buffer_one keep one going, allow_all lets them pile up', async () => {
    const name = await pipeline({ nap: { uses: 'core/sleep@^1', with: { ms: 3_500 } } });
    const ids = { skip: '', buffer_one: '', allow_all: '' };
    for (const overlap of Object.keys(ids) as Array<keyof typeof ids>)
      ids[overlap] = await schedule({ pipeline: name, every: '1s', overlap });
    await sleep(6_500);
    for (const id of Object.values(ids)) await tenant.post(`/v1/schedules/${id}/pause`).expect(200);
    const runs = Object.fromEntries(
      await Promise.all(Object.entries(ids).map(async ([overlap, id]) => [overlap, await runsOf(id)] as const)),
    );
    expect(maxOverlap(runs.skip)).toBe(1);
    expect(maxOverlap(runs.buffer_one)).toBe(1);
    expect(maxOverlap(runs.allow_all)).toBeGreaterThanOrEqual(4);
    // buffer_one starts the buffered run as soon as the first ends; skip waits for the next fire after it.
    expect(runs.allow_all.length).toBeGreaterThan(runs.buffer_one.length);
  });

  it('documents daylight saving: a local time that does not exist is skipped, one that happens twice fires once', async () => {
    const name = await pipeline({ hello: { uses: 'core/echo@^1', with: {} } });
    const spring = await schedule({
      pipeline: name,
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      startAt: '2027-03-26T00:00:00Z',
      paused: true,
    });
    expect((await tenant.get(`/v1/schedules/${spring}`).expect(200)).body.nextRuns).toEqual([
      '2027-03-26T01:30:00.000Z',
      '2027-03-27T01:30:00.000Z',
      // 28 March: clocks jump from 02:00 to 03:00, there is no 02:30 and no run.
      '2027-03-29T00:30:00.000Z',
      '2027-03-30T00:30:00.000Z',
      '2027-03-31T00:30:00.000Z',
    ]);
    const autumn = await schedule({
      pipeline: name,
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      startAt: '2027-10-29T00:00:00Z',
      paused: true,
    });
    expect((await tenant.get(`/v1/schedules/${autumn}`).expect(200)).body.nextRuns).toEqual([
      '2027-10-29T00:30:00.000Z',
      '2027-10-30T00:30:00.000Z',
      // 31 October: 02:30 happens at 00:30Z (summer time) and again at 01:30Z; it fires once, the second time.
      '2027-10-31T01:30:00.000Z',
      '2027-11-01T01:30:00.000Z',
      '2027-11-02T01:30:00.000Z',
    ]);
  });

  it('loses and doubles nothing when the API that made a schedule is killed and started again', async () => {
    const name = await pipeline({ hello: { uses: 'core/echo@^1', with: {} } });
    const port = await freePort();
    const start = () => spawnBaton('api', { ...inject('apiEnv'), PORT: String(port) });
    let second = start();
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${baseUrl}/readyz`, 60_000);
      const created = await api(baseUrl)
        .post('/v1/schedules')
        .set('authorization', `Bearer ${tenant.apiKey}`)
        .send({ pipeline: name, every: '1s' })
        .expect(201);
      const id: string = created.body.id;
      schedulesToDelete.push(id);
      await second.stop('SIGKILL');
      // The schedule is Temporal's to fire: it goes on without that API.
      const before = (await runsOf(id)).length;
      await until(async () => (await runsOf(id)).length >= before + 2, 15_000);
      second = start();
      await waitForHttp(`${baseUrl}/readyz`, 60_000);
      await api(baseUrl).get(`/v1/schedules/${id}`).set('authorization', `Bearer ${tenant.apiKey}`).expect(200);
      const copies: string[] = [];
      for await (const s of temporal.schedule.list()) if (s.scheduleId.includes(id)) copies.push(s.scheduleId);
      expect(copies).toEqual([`baton-${id}`]);
      expect((await tenant.get(`/v1/schedules?pipeline=${name}`).expect(200)).body.items).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  describe('the reconciler', () => {
    it('recreates a Schedule deleted in Temporal, removes one Baton has no row for, and undoes a pause made by hand', async () => {
      const name = await pipeline({ hello: { uses: 'core/echo@^1', with: {} } });
      const id = await schedule({ pipeline: name, cron: '0 0 1 1 *' });
      const handle = temporal.schedule.getHandle(`baton-${id}`);
      await handle.delete();
      await until(
        async () =>
          handle.describe().then(
            () => true,
            () => false,
          ),
        10_000,
      );

      await handle.pause('paused by hand');
      await until(async () => !(await handle.describe()).state.paused, 10_000);

      const orphan = temporal.schedule.getHandle(`baton-${randomUUID()}`);
      await temporal.schedule.create({
        scheduleId: orphan.scheduleId,
        spec: { cronExpressions: ['0 0 1 1 *'] },
        action: { type: 'startWorkflow', workflowType: 'scheduledRun', taskQueue: 'nowhere', args: [] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
      });
      await until(
        async () =>
          orphan.describe().then(
            () => false,
            () => true,
          ),
        10_000,
      );
    });

    it('pauses the schedules a downgraded plan no longer allows, newest first, and resumes them on upgrade', async () => {
      // This reconciler runs with billing on, as an installation with Stripe would; it holds the
      // leader lock while it works, so that the stack's own (billing off) waits.
      const plansFile = join(mkdtempSync(join(tmpdir(), 'plans-')), 'plans.json');
      writeFileSync(
        plansFile,
        JSON.stringify({ defaultPlan: 'open', plans: { open: { title: 'Open' }, tiny: { title: 'Tiny', limits: { schedules: 1 } } } }),
      );
      const db = await new DataSource({ type: 'postgres', url: inject('databaseUrl') }).initialize();
      try {
        const entitlements = new EntitlementsService(
          new BillingRepository(db),
          PlanCatalog.load({ file: plansFile }),
          new StripeGateway({ STRIPE_SECRET_KEY: 'sk_test_reconciler', STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_API_URL: undefined }),
          { BILLING_GRACE_PERIOD: '7d', RATE_LIMIT_PER_MINUTE: 1200, RUN_RETENTION_DAYS: undefined, RUN_FAN_OUT_BUDGET: 20_000 },
        );
        const sessions = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
        onTestFinished(() => sessions.end());
        const leader = new LeaderLock(sessions);
        const reconciler = new SchedulesReconcilerJob(
          new SchedulesRepository(db),
          entitlements,
          temporal,
          new LeaderJobs(leader, new SchedulerRegistry()),
          { SCHEDULE_RECONCILE_INTERVAL: '1h', TEMPORAL_TASK_QUEUE: inject('apiEnv').TEMPORAL_TASK_QUEUE ?? 'baton-shared' },
        );
        const other = await newTenant();
        const name = uniqueName('sched');
        await other.put(`/v1/pipelines/${name}`, newPipeline(name, { hello: { uses: 'core/echo@^1', with: {} } })).expect(201);
        const older = (await other.post('/v1/schedules', { pipeline: name, cron: '0 0 1 1 *' }).expect(201)).body.id;
        const newer = (await other.post('/v1/schedules', { pipeline: name, cron: '0 0 1 1 *' }).expect(201)).body.id;
        const state = async (id: string) => (await temporal.schedule.getHandle(`baton-${id}`).describe()).state;
        const reconcileOn = async (plan: string) => {
          await db.query('UPDATE tenant SET plan = $2 WHERE id = $1', [other.tenantId, plan]);
          // A pass may find the stack's own reconciler holding the lock, or Temporal not yet showing a
          // pause it just made: passes repeat until the schedules are as the plan says, or time is up.
          let paused: boolean[] = [];
          await until(async () => {
            await leader.runExclusive(SchedulesReconcilerJob.JOB, async () => {
              await reconciler.runOnce();
              paused = [(await state(older)).paused, (await state(newer)).paused];
            });
            return paused[0] === false && paused[1] === (plan === 'tiny');
          }, 10_000).catch(() => undefined);
          expect(paused).toEqual([false, plan === 'tiny']);
        };
        await reconcileOn('tiny');
        await leader.runExclusive(SchedulesReconcilerJob.JOB, async () =>
          expect((await state(newer)).note).toMatch(/plan allows 1 schedule/),
        );
        await reconcileOn('open');
      } finally {
        await db.destroy();
      }
    });

    it('pauses the schedules of a suspended tenant and resumes them when it is resumed', async () => {
      const other = await newTenant();
      const name = uniqueName('sched');
      await other.put(`/v1/pipelines/${name}`, newPipeline(name, { hello: { uses: 'core/echo@^1', with: {} } })).expect(201);
      const { body } = await other.post('/v1/schedules', { pipeline: name, cron: '0 0 1 1 *' }).expect(201);
      const handle = temporal.schedule.getHandle(`baton-${body.id}`);
      const admin = (path: string) =>
        api()
          .post(path)
          .set('authorization', `Bearer ${inject('adminToken')}`);
      await admin(`/v1/admin/tenants/${other.tenantId}/suspend`).expect(200);
      await until(async () => (await handle.describe()).state.paused, 10_000);
      expect((await handle.describe()).state.note).toMatch(/suspended/);
      await admin(`/v1/admin/tenants/${other.tenantId}/resume`).expect(200);
      await until(async () => !(await handle.describe()).state.paused, 10_000);
      const removed = await other.delete(`/v1/schedules/${body.id}`);
      expect(removed.status, JSON.stringify(removed.body)).toBe(204);
      await expect(handle.describe()).rejects.toThrow();
    });
  });
});
