import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newPipeline, newTenant, savePipeline, startRun, until, waitForRun, type RunView, type TestTenant } from '../support/builders.js';
import { WEBHOOK_SECRET } from '../support/billing.js';
import { startIsolatedStack, type IsolatedStack } from '../support/isolated-stack.js';
import { freePort } from '../support/processes.js';
import { parseSamples, valueOf } from '../support/prometheus.js';
import { checkInvariants } from './invariants.js';

interface RunSummary {
  id: string;
  status: string;
  parentRunId: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

const at = (iso: string | null) => Date.parse(iso!);

/**
 * A plan that runs one run at a time: a schedule's fire and a run started by the API while one is
 * going are queued by admission and start when it ends, never beside it; a child run is part of
 * its top run, which alone holds the slot, so it neither waits for its own parent's slot nor
 * starts before its parent got one.
 */
describe("the plan's concurrent runs: queued, not refused, never passed", () => {
  let stack: IsolatedStack;
  let tenant: TestTenant;
  let metricsUrl: string;

  beforeAll(async () => {
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const plansFile = join(mkdtempSync(join(tmpdir(), 'baton-plans-')), 'plans.json');
    writeFileSync(plansFile, JSON.stringify({ defaultPlan: 'solo', plans: { solo: { title: 'Solo', limits: { concurrentRuns: 1 } } } }));
    // Billing on for the API and the worker beside it (`baton up`), so that both hold runs to the plan.
    stack = await startIsolatedStack({
      STRIPE_SECRET_KEY: 'sk_test_batonE2E',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: inject('stripeMockUrl'),
      BILLING_PLANS_FILE: plansFile,
      METRICS_PORT: String(metricsPort),
    });
    tenant = await newTenant(stack.baseUrl);
    await savePipeline(tenant, newPipeline('nap', { nap: { uses: 'core/sleep@^1', with: { ms: 4_000 } } }));
    await savePipeline(tenant, newPipeline('hello', { hi: { uses: 'core/echo@^1', with: { ok: true } } }));
    await savePipeline(
      tenant,
      newPipeline('parent', {
        nap: { uses: 'core/sleep@^1', with: { ms: 2_000 } },
        call: { uses: 'pipeline/run@^1', needs: ['nap'], with: { pipeline: 'hello' } },
      }),
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  // Billing is on here: the month's run counter must equal the runs counted, too.
  const invariants = () =>
    checkInvariants(stack.databaseUrl, inject('temporalAddress'), {
      tenantIds: [tenant.tenantId],
      namespace: stack.namespace,
      billing: true,
    });

  const summaries = async (): Promise<RunSummary[]> => (await tenant.get('/v1/runs?limit=500').expect(200)).body.items;

  it("queues a schedule's fire while a run holds the only slot, and starts it once that run ended", async () => {
    const first = await startRun(tenant, 'nap');
    await waitForRun(tenant, first, (r) => r.status === 'running', 30_000);
    const scheduleId = (await tenant.post('/v1/schedules', { pipeline: 'hello', cron: '0 0 1 1 *', paused: true }).expect(201)).body.id;
    await tenant.post(`/v1/schedules/${scheduleId}/trigger`, {}).expect(202);
    await until(async () => (await tenant.get(`/v1/runs?schedule=${scheduleId}`).expect(200)).body.items.length === 1, 30_000);
    const [fired] = (await tenant.get(`/v1/runs?schedule=${scheduleId}`).expect(200)).body.items as RunSummary[];
    // Recorded (acknowledged), and waiting: not refused, not started beside the first.
    expect(fired).toMatchObject({ status: 'queued', startedAt: null });
    const usage = (await tenant.get('/v1/billing/usage').expect(200)).body;
    expect(usage.concurrentRuns).toEqual({ used: 1, limit: 1 });

    const [nap, scheduled] = [await waitForRun(tenant, first), await waitForRun(tenant, fired.id, undefined, 60_000)];
    expect([nap.status, scheduled.status]).toEqual(['succeeded', 'succeeded']);
    expect(at(scheduled.startedAt), 'the fire started once the run before it had ended').toBeGreaterThanOrEqual(at(nap.endedAt));
    expect(await invariants()).toEqual([]);
  });

  it("starts a child run within its parent's slot, and the child of a queued run only once that run got one", async () => {
    const [one, two] = [await startRun(tenant, 'parent'), await startRun(tenant, 'parent')];
    // The second waits in the outbox for the slot: what an operator's dashboard shows meanwhile.
    await until(async () => {
      const samples = parseSamples(await (await fetch(metricsUrl)).text());
      return (
        valueOf(samples, 'baton_run_dispatch_pending', { waiting_for: 'slot' }) === 1 &&
        valueOf(samples, 'baton_run_dispatch_oldest_seconds') > 0
      );
    }, 10_000);
    const [p1, p2]: RunView[] = [await waitForRun(tenant, one, undefined, 60_000), await waitForRun(tenant, two, undefined, 60_000)];
    expect([p1.status, p2.status]).toEqual(['succeeded', 'succeeded']);
    const [first, second] = [p1, p2].sort((a, b) => at(a.startedAt) - at(b.startedAt));
    expect(at(second.startedAt), 'the second parent waited for the first to end').toBeGreaterThanOrEqual(at(first.endedAt));

    const all = await summaries();
    const childOf = (parent: RunView) => all.find((r) => r.parentRunId === parent.id)!;
    const [c1, c2] = [childOf(first), childOf(second)];
    expect([c1.status, c2.status]).toEqual(['succeeded', 'succeeded']);
    // The first parent's child ran while its parent held the one slot: children take none.
    expect(at(c1.endedAt)).toBeLessThanOrEqual(at(first.endedAt));
    // The second parent's child was not started (nor recorded) before its parent had the slot.
    expect(at(c2.createdAt)).toBeGreaterThanOrEqual(at(first.endedAt));
    // Never two top-level runs at once, over everything this tenant ran.
    const tops = all.filter((r) => !r.parentRunId && r.startedAt).sort((a, b) => at(a.startedAt) - at(b.startedAt));
    for (let i = 1; i < tops.length; i++) expect(at(tops[i].startedAt)).toBeGreaterThanOrEqual(at(tops[i - 1].endedAt));
    expect(await invariants()).toEqual([]);
  });
});
