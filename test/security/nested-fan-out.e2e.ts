import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newPipeline,
  newTenant,
  savePipeline,
  startRun,
  uniqueName,
  waitForRun,
  type RunView,
  type TestTenant,
} from '../support/builders.js';
import { startIsolatedStack, type IsolatedStack } from '../support/isolated-stack.js';

const BUDGET = 30;
const TERMINAL = ['succeeded', 'failed', 'cancelled', 'timed_out'];

interface RunSummary {
  id: string;
  pipeline: string;
  status: string;
  parentRunId: string | null;
}

/**
 * A tenant nests `forEach` over `pipeline/run` (a root fanning out to runs that fan out again):
 * 5 × 5 here, 200^5 for a determined one. Every run of the tree, and every item, is charged to
 * the root's fan-out budget (RUN_FAN_OUT_BUDGET on this self-hosted installation, as on a fresh
 * `npm start`): past it the step that would fan out fails with `fan_out_budget_exceeded`.
 */
describe('nested fan-out beyond the plan', () => {
  let stack: IsolatedStack;
  let tenant: TestTenant;
  let other: TestTenant;
  let db: pg.Client;

  beforeAll(async () => {
    stack = await startIsolatedStack({ RUN_FAN_OUT_BUDGET: String(BUDGET) });
    tenant = await newTenant(stack.baseUrl);
    other = await newTenant(stack.baseUrl);
    db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await stack?.stop();
  });

  const runsOf = async (t: TestTenant): Promise<RunSummary[]> => (await t.get('/v1/runs?limit=500').expect(200)).body.items;

  /** leaf ← mid (forEach `width` × pipeline/run leaf) ← root (forEach `width` × pipeline/run mid). */
  async function nest(t: TestTenant, width: number): Promise<string> {
    const items = Array.from({ length: width }, (_, i) => i);
    const leaf = uniqueName('leaf');
    const mid = uniqueName('mid');
    const root = uniqueName('root');
    await savePipeline(t, newPipeline(leaf, { hello: { uses: 'core/echo@^1', with: { at: 'leaf' } } }));
    await savePipeline(t, newPipeline(mid, { fan: { uses: 'pipeline/run@^1', forEach: items, with: { pipeline: leaf } } }));
    await savePipeline(t, newPipeline(root, { fan: { uses: 'pipeline/run@^1', forEach: items, with: { pipeline: mid } } }));
    return root;
  }

  it('refuses the fan-out past the budget with a clear code, and starts no more runs than it allows', async () => {
    // 5 items, 5 child runs, then 5 × (5 items + 5 child runs): 60, twice the budget.
    const runId = await startRun(tenant, await nest(tenant, 5));
    const root = await waitForRun(tenant, runId, undefined, 90_000);
    expect(root.status).toBe('failed');
    // Everything the tree started has ended (the failure cancelled the rest).
    let runs: RunSummary[];
    for (const deadline = Date.now() + 60_000; ;) {
      runs = await runsOf(tenant);
      if (runs.every((r) => TERMINAL.includes(r.status)) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(runs.filter((r) => !TERMINAL.includes(r.status))).toEqual([]);
    expect(runs.length).toBeLessThanOrEqual(BUDGET + 1);
    // The refusal is visible: the step that would have passed the budget failed saying why.
    const refused: Array<{ run: string; step: string; message: string }> = [];
    for (const summary of runs) {
      const run: RunView = (await tenant.get(`/v1/runs/${summary.id}`).expect(200)).body;
      for (const step of run.steps)
        if (step.error?.code === 'fan_out_budget_exceeded') refused.push({ run: run.id, step: step.id, message: step.error.message });
    }
    expect(refused.length, JSON.stringify(runs)).toBeGreaterThan(0);
    expect(refused[0].message).toContain(`${BUDGET}`);
    const { rows } = await db.query<{ used: number }>('SELECT fan_out_used AS used FROM run WHERE id = $1', [runId]);
    expect(rows[0].used).toBeLessThanOrEqual(BUDGET);
  });

  it('stays responsive for everyone meanwhile, and runs a nested fan-out within the budget', async () => {
    // 2 items, 2 child runs, then 2 × (2 items + 2 child runs): 12.
    const attack = await startRun(tenant, await nest(tenant, 5));
    const fine = await startRun(other, await nest(other, 2));
    const quick = uniqueName('quick');
    await savePipeline(other, newPipeline(quick, { hello: { uses: 'core/echo@^1', with: { ok: true } } }));
    expect((await waitForRun(other, await startRun(other, quick), undefined, 60_000)).status).toBe('succeeded');
    const nested = await waitForRun(other, fine, undefined, 90_000);
    expect(nested.status, JSON.stringify(nested.error)).toBe('succeeded');
    expect((await runsOf(other)).filter((r) => r.parentRunId !== null)).toHaveLength(2 + 2 * 2);
    expect((await waitForRun(tenant, attack, undefined, 90_000)).status).toBe('failed');
  });
});
