import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newPipeline, newTenant, savePipeline, until, waitForRun, type RunView, type TestTenant } from '../support/builders.js';
import { WEBHOOK_SECRET } from '../support/billing.js';
import { startIsolatedStack, type IsolatedStack } from '../support/isolated-stack.js';

const RUNS_PER_MONTH = 2;

interface RunSummary {
  id: string;
  status: string;
  trigger: string;
  scheduleId: string | null;
}

/**
 * A tenant on a plan with a monthly runs quota lets a schedule do its running: its fires and
 * backfills were recorded by the worker without the plan's admission, so a schedule ran on past
 * the quota (and a backfill of a decade started a run per fire). With billing on, the worker holds
 * each fire to the same admission as `POST /v1/pipelines/{name}/runs`; a refused fire is a failed
 * run saying why, not a silent skip.
 */
describe('a schedule fire over the monthly runs quota', () => {
  let stack: IsolatedStack;
  let tenant: TestTenant;
  let pipeline: string;
  let scheduleId: string;

  beforeAll(async () => {
    const plansFile = join(mkdtempSync(join(tmpdir(), 'baton-plans-')), 'plans.json');
    writeFileSync(
      plansFile,
      JSON.stringify({ defaultPlan: 'metered', plans: { metered: { title: 'Metered', limits: { runsPerMonth: RUNS_PER_MONTH } } } }),
    );
    // Billing on for the API and for the worker beside it (`baton up`), as an operator configures both.
    stack = await startIsolatedStack({
      STRIPE_SECRET_KEY: 'sk_test_batonE2E',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: inject('stripeMockUrl'),
      BILLING_PLANS_FILE: plansFile,
    });
    tenant = await newTenant(stack.baseUrl);
    pipeline = 'nightly';
    await savePipeline(tenant, newPipeline(pipeline, { hello: { uses: 'core/echo@^1', with: { ok: true } } }));
    // Fires only when told to (trigger, backfill): once a year, paused.
    scheduleId = (await tenant.post('/v1/schedules', { pipeline, cron: '0 0 1 1 *', paused: true }).expect(201)).body.id;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const runsOfSchedule = async (): Promise<RunSummary[]> =>
    (await tenant.get(`/v1/runs?schedule=${scheduleId}&limit=500`).expect(200)).body.items;

  it('runs a fire within the plan, and refuses the one past the quota as a failed run that says why', async () => {
    await tenant.post(`/v1/schedules/${scheduleId}/trigger`, {}).expect(202);
    await until(async () => (await runsOfSchedule()).some((r) => r.status === 'succeeded'), 30_000);
    // The second run of the month, through the API: the quota is used up.
    const second = (await tenant.post(`/v1/pipelines/${pipeline}/runs`, {}).expect(202)).body.id;
    expect((await waitForRun(tenant, second)).status).toBe('succeeded');
    expect((await tenant.post(`/v1/pipelines/${pipeline}/runs`, {})).status).toBe(429);

    await tenant.post(`/v1/schedules/${scheduleId}/trigger`, {}).expect(202);
    await until(async () => (await runsOfSchedule()).length === 2, 30_000);
    const refused = (await runsOfSchedule()).find((r) => r.status !== 'succeeded')!;
    const run: RunView = (await tenant.get(`/v1/runs/${refused.id}`).expect(200)).body;
    expect(run).toMatchObject({
      status: 'failed',
      trigger: 'schedule',
      startedAt: null,
      error: { code: 'plan_limit_reached', limit: 'runsPerMonth' },
    });
    expect(run.error!.message).toContain(`allows ${RUNS_PER_MONTH} runsPerMonth`);
    expect(run.steps.every((s) => s.status === 'skipped')).toBe(true);
    const events = (await tenant.get(`/v1/runs/${refused.id}/events`).expect(200)).body.items;
    expect(events).toEqual([
      expect.objectContaining({ type: 'run.completed', status: 'failed', error: expect.objectContaining({ code: 'plan_limit_reached' }) }),
    ]);
    // A refused fire is not a run of the month.
    expect((await tenant.get('/v1/billing/usage').expect(200)).body.runs).toEqual({ used: RUNS_PER_MONTH, limit: RUNS_PER_MONTH });
  });

  it('refuses every fire of a backfill past the quota the same way', async () => {
    const before = (await runsOfSchedule()).length;
    await tenant
      .post(`/v1/schedules/${scheduleId}/backfill`, { from: '2020-01-01T00:00:00Z', to: '2024-01-01T00:00:00Z', overlap: 'allow_all' })
      .expect(202);
    // 2020, 2021, 2022, 2023 and 2024 on January 1st.
    await until(async () => (await runsOfSchedule()).length === before + 5, 30_000);
    const runs = (await runsOfSchedule()).slice(0, 5);
    for (const summary of runs) {
      const run: RunView = (await tenant.get(`/v1/runs/${summary.id}`).expect(200)).body;
      expect(run).toMatchObject({ status: 'failed', startedAt: null, error: { code: 'plan_limit_reached' } });
    }
    expect((await tenant.get('/v1/billing/usage').expect(200)).body.runs.used).toBe(RUNS_PER_MONTH);
  });
});
