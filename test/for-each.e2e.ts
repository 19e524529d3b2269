import type { Client } from '@temporalio/client';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RunEventsRepository } from '../src/runtime/ledger/run-events.repository.js';
import { forEachWorkflowId, type RunEvent } from '../workers/contracts/index.js';
import { SUGGEST_CONTINUE_AS_NEW_EVENTS } from './support/global-setup.js';
import {
  allEvents,
  temporalClient,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  uniqueName,
  waitForRun,
  type EventView,
  type RunView,
  type TestTenant,
} from './support/builders.js';

/** The most items that ran at one time, from their start and end events. */
function peakParallelism(events: EventView[], stepId: string): number {
  const edges = events
    .filter((e) => e.stepId === stepId && ((e.type === 'step.started' && e.attempt === 1) || e.type === 'step.item_succeeded'))
    .map((e) => ({ at: Date.parse(e.at), delta: e.type === 'step.started' ? 1 : -1 }))
    // An item that ends at the very moment another starts makes room for it.
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let peak = 0;
  for (const edge of edges) peak = Math.max(peak, (running += edge.delta));
  return peak;
}

async function waitForEvents(tenant: TestTenant, runId: string, done: (events: EventView[]) => boolean): Promise<EventView[]> {
  for (const deadline = Date.now() + 30_000; ;) {
    const events = await allEvents(tenant, runId);
    if (done(events)) return events;
    if (Date.now() > deadline) throw new Error(`run ${runId}: events never matched: ${JSON.stringify(events.map((e) => e.type))}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('forEach', () => {
  let tenant: TestTenant;
  let temporal: Client;
  beforeAll(async () => {
    tenant = await newTenant();
    temporal = await temporalClient();
  });
  afterAll(() => temporal?.connection.close());

  it('runs one execution per item, at most maxParallel at once, with outputs in item order', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(
        uniqueName('fan'),
        {
          plan: { uses: 'core/echo@^1', with: { waits: '${{ inputs.waits }}' } },
          nap: {
            uses: 'core/sleep@^1',
            needs: ['plan'],
            forEach: '${{ steps.plan.outputs.waits }}',
            maxParallel: 2,
            with: { ms: '${{ item }}' },
          },
          total: {
            uses: 'core/echo@^1',
            needs: ['nap'],
            with: { slept: '${{ steps.nap.outputs.sleptMs }}', sum: '${{ $sum(steps.nap.outputs.sleptMs) }}' },
          },
        },
        { inputs: { waits: { type: 'array', items: { type: 'integer' } } }, outputs: { slept: '${{ steps.total.outputs.slept }}' } },
      ),
      { inputs: { waits: [400, 50, 250, 100, 50] } },
    );
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    // The first item is the slowest: outputs follow the items, not the order they finished in.
    expect(stepOf(run, 'nap')).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      outputs: [{ sleptMs: 400 }, { sleptMs: 50 }, { sleptMs: 250 }, { sleptMs: 100 }, { sleptMs: 50 }],
      items: { total: 5, succeeded: 5, failed: 0 },
    });
    expect(stepOf(run, 'total').outputs).toEqual({ slept: [400, 50, 250, 100, 50], sum: 850 });
    expect(run.outputs).toEqual({ slept: [400, 50, 250, 100, 50] });

    const events = await allEvents(tenant, run.id);
    expect(events.filter((e) => e.type === 'step.fanned_out')).toEqual([
      expect.objectContaining({ stepId: 'nap', items: 5, maxParallel: 2 }),
    ]);
    expect(
      events
        .filter((e) => e.type === 'step.started' && e.stepId === 'nap')
        .map((e) => e.item)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4]);
    expect(
      events
        .filter((e) => e.type === 'step.item_succeeded')
        .map((e) => e.item)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4]);
    expect(peakParallelism(events, 'nap')).toBe(2);
  });

  it("keeps each item's logs apart: ?item= reads one item's", async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('fan-logs'), {
        say: { uses: 'core/log@^1', forEach: ['alpha', 'beta', 'gamma'], with: { message: 'hello from ${{ item }}', level: 'warn' } },
      }),
    );
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const logs = await tenant.get(`/v1/runs/${run.id}/logs?step=say&item=1`).expect(200);
    expect(logs.body.items).toEqual([expect.objectContaining({ stepId: 'say', item: 1, level: 'warn', message: 'hello from beta' })]);
    const all = await tenant.get(`/v1/runs/${run.id}/logs?step=say`).expect(200);
    expect(all.body.items.map((e: { message: string }) => e.message).sort()).toEqual([
      'hello from alpha',
      'hello from beta',
      'hello from gamma',
    ]);
    await tenant.get(`/v1/runs/${run.id}/logs?item=-1`).expect(400);
    await tenant.get(`/v1/runs/${run.id}/logs?item=`).expect(400);
  });

  it('fans out over a literal list and over nothing', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(
        uniqueName('fan-literal'),
        {
          shout: {
            uses: 'transform/jsonata@^1',
            forEach: ['a', 'b', '${{ inputs.extra }}'],
            with: { expression: '$uppercase(word)', data: { word: '${{ item }}' } },
          },
          none: { uses: 'core/echo@^1', forEach: '${{ [] }}', with: { never: '${{ item }}' } },
          after: {
            uses: 'core/echo@^1',
            needs: ['none', 'shout'],
            with: { count: '${{ $count(steps.none.outputs) }}', words: '${{ steps.shout.outputs.result }}' },
          },
        },
        { inputs: { extra: { type: 'string', default: 'c' } } },
      ),
    );
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(stepOf(run, 'shout').outputs).toEqual([{ result: 'A' }, { result: 'B' }, { result: 'C' }]);
    expect(stepOf(run, 'none')).toMatchObject({ status: 'succeeded', outputs: [], items: { total: 0, succeeded: 0, failed: 0 } });
    expect(stepOf(run, 'after').outputs).toEqual({ count: 0, words: ['A', 'B', 'C'] });
  });

  it('retries an item on its own and records its attempts under its index', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('fan-retry'), {
        flaky: {
          uses: 'core/fail@^1',
          forEach: [0, 1, 0],
          retry: { maxAttempts: 3, initialInterval: '100ms' },
          with: { message: 'transient ${{ item }}', times: '${{ item }}' },
        },
      }),
    );
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(stepOf(run, 'flaky')).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      outputs: [{ attempt: 1 }, { attempt: 2 }, { attempt: 1 }],
    });
    const events = await allEvents(tenant, run.id);
    expect(events.filter((e) => e.type === 'step.attempt_failed')).toEqual([
      expect.objectContaining({ stepId: 'flaky', item: 1, attempt: 1, retryable: true }),
    ]);
    expect(
      events
        .filter((e) => e.type === 'step.item_succeeded')
        .map((e) => [e.item, e.attempt])
        .sort(),
    ).toEqual([
      [0, 1],
      [1, 2],
      [2, 1],
    ]);
  });

  it('fails the step on the first item that fails for good, stops the rest, and honours continueOnError', async () => {
    const pipeline = (continueOnError: boolean) =>
      newPipeline(uniqueName('fan-fail'), {
        each: {
          uses: 'core/fail@^1',
          forEach: ['ok', 'bad', 'never', 'never'],
          maxParallel: 1,
          continueOnError,
          with: { message: 'item ${{ item }} is broken', retryable: false, times: '${{ item = "bad" ? 9 : 0 }}' },
        },
        after: { uses: 'core/echo@^1', needs: ['each'], with: { status: '${{ steps.each.status }}' } },
      });

    const failed = await runToEnd(tenant, pipeline(false));
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ step: 'each', message: expect.stringContaining('Item 1 of 4: item bad is broken') });
    expect(stepOf(failed, 'each')).toMatchObject({
      status: 'failed',
      outputs: null,
      items: { total: 4, succeeded: 1, failed: 1 },
      error: { message: 'Item 1 of 4: item bad is broken' },
    });
    expect(stepOf(failed, 'after').status).toBe('skipped');
    const started = (await allEvents(tenant, failed.id)).filter((e) => e.type === 'step.started').map((e) => e.item);
    expect(started).toEqual([0, 1]);

    const tolerated = await runToEnd(tenant, pipeline(true));
    expect(tolerated.status).toBe('succeeded');
    expect(stepOf(tolerated, 'after').outputs).toEqual({ status: 'failed' });
  });

  it('cancels the items still running when one fails for good', async () => {
    // Two items sleep for a minute; the third is refused by core/sleep's input schema at once.
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('fan-fail-fast'), {
        mixed: { uses: 'core/sleep@^1', forEach: [60_000, 60_000, -1], maxParallel: 3, with: { ms: '${{ item }}' } },
      }),
    );
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'mixed')).toMatchObject({
      status: 'failed',
      items: { total: 3, succeeded: 0, failed: 1 },
      error: { code: 'invalid_input', message: expect.stringMatching(/^Item 2 of 3: /) },
    });
    const ended = (await allEvents(tenant, run.id))
      .filter((e) => e.type === 'step.item_failed')
      .map((e) => [e.item, e.status])
      .sort();
    expect(ended).toEqual([
      [0, 'cancelled'],
      [1, 'cancelled'],
      [2, 'failed'],
    ]);
  });

  /** An HTTP endpoint per item; `/item/<failing>` answers 503 to its first call only, an outage that is over by the retry. */
  async function flakyItems(failing: number) {
    const calls = new Map<string, number>();
    const server = createServer((request, response) => {
      const count = (calls.get(request.url!) ?? 0) + 1;
      calls.set(request.url!, count);
      response.statusCode = request.url === `/item/${failing}` && count === 1 ? 503 : 200;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ path: request.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/item/\${{ item }}`;
    return { url, calls: () => Object.fromEntries(calls), close: () => server.close() };
  }

  async function failThenRetryFromFailed(name: string): Promise<{ failed: RunView; run: RunView }> {
    const failed = await waitForRun(tenant, await startRun(tenant, name));
    expect(failed.status).toBe('failed');
    const retried = await tenant.post(`/v1/runs/${failed.id}/retry`, { fromFailed: true }).expect(202);
    return { failed, run: await waitForRun(tenant, retried.body.id) };
  }

  it('retries from the failed step reusing the items that succeeded, running only the rest', async () => {
    const endpoint = await flakyItems(2);
    try {
      const name = uniqueName('fan-retry-items');
      await savePipeline(
        tenant,
        newPipeline(
          name,
          {
            each: {
              uses: 'http/request@^1',
              forEach: [0, 1, 2, 3],
              maxParallel: 1,
              retry: { maxAttempts: 1 },
              with: { url: endpoint.url },
            },
          },
          { outputs: { paths: '${{ steps.each.outputs.body.path }}' } },
        ),
      );
      const { failed, run } = await failThenRetryFromFailed(name);
      expect(stepOf(failed, 'each').items).toEqual({ total: 4, succeeded: 2, failed: 1 });
      expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
      expect(run.outputs).toEqual({ paths: ['/item/0', '/item/1', '/item/2', '/item/3'] });
      expect(stepOf(run, 'each').items).toEqual({ total: 4, succeeded: 4, failed: 0 });
      expect(endpoint.calls()).toEqual({ '/item/0': 1, '/item/1': 1, '/item/2': 2, '/item/3': 1 });
      const reused = (await allEvents(tenant, run.id)).filter((e) => e.type === 'step.item_succeeded' && e.fromRun === failed.id);
      expect(reused.map((e) => e.item).sort()).toEqual([0, 1]);
    } finally {
      endpoint.close();
    }
  });

  it('runs every item again when a step it depends on runs again, since its items may differ', async () => {
    const endpoint = await flakyItems(1);
    try {
      const name = uniqueName('fan-retry-upstream');
      await savePipeline(
        tenant,
        newPipeline(name, {
          optional: { uses: 'core/fail@^1', with: { message: 'not today', retryable: false }, continueOnError: true },
          each: {
            uses: 'http/request@^1',
            needs: ['optional'],
            forEach: [0, 1, 2],
            maxParallel: 1,
            retry: { maxAttempts: 1 },
            with: { url: endpoint.url },
          },
        }),
      );
      const { run } = await failThenRetryFromFailed(name);
      expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
      expect(endpoint.calls()).toEqual({ '/item/0': 2, '/item/1': 2, '/item/2': 1 });
    } finally {
      endpoint.close();
    }
  });

  it('fails the step with a clear error when forEach does not give a list', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('fan-bad'), { each: { uses: 'core/echo@^1', forEach: '${{ { "a": 1 } }}', with: { v: '${{ item }}' } } }),
    );
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'each')).toMatchObject({
      status: 'failed',
      error: { code: 'expression_error', message: '`forEach` must give an array; it gave object' },
    });
  });

  for (const [when, maxParallel] of [
    ['while items wait their turn', 3],
    ['once every item has started', 6],
  ] as const) {
    it(`stops every item and the fan-out workflow when the run is cancelled ${when}`, async () => {
      const name = uniqueName('fan-cancel');
      await savePipeline(
        tenant,
        newPipeline(name, { nap: { uses: 'core/sleep@^1', forEach: '${{ [1..6] }}', maxParallel, with: { ms: 60000 } } }),
      );
      const id = await startRun(tenant, name);
      await waitForEvents(tenant, id, (events) => events.filter((e) => e.type === 'step.started').length === maxParallel);
      await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
      const run = await waitForRun(tenant, id);
      expect(run.status).toBe('cancelled');
      expect(stepOf(run, 'nap')).toMatchObject({ status: 'cancelled', outputs: null, items: { total: 6, succeeded: 0 } });
      const fanOut = await temporal.workflow.getHandle(forEachWorkflowId(id, 'nap')).describe();
      expect(fanOut.status.name).toBe('CANCELLED');
      expect((await allEvents(tenant, id)).filter((e) => e.type === 'step.started')).toHaveLength(maxParallel);
    });
  }

  it('fails the step, not the run, when the fan-out workflow is cancelled from outside Baton', async () => {
    const name = uniqueName('fan-outside');
    await savePipeline(
      tenant,
      newPipeline(name, {
        nap: { uses: 'core/sleep@^1', forEach: [60000, 60000], with: { ms: '${{ item }}' }, continueOnError: true },
        after: { uses: 'core/echo@^1', needs: ['nap'], with: { nap: '${{ steps.nap.status }}' } },
      }),
    );
    const id = await startRun(tenant, name);
    await waitForEvents(tenant, id, (events) => events.filter((e) => e.type === 'step.started').length === 2);
    await temporal.workflow.getHandle(forEachWorkflowId(id, 'nap')).cancel();
    const run = await waitForRun(tenant, id);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(stepOf(run, 'nap')).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('The fan-out stopped') } });
    expect(stepOf(run, 'after').outputs).toEqual({ nap: 'failed' });
  });

  it('fans out to 600 items, continuing the fan-out workflow as new when Temporal suggests it, well below the history limit', async () => {
    const name = uniqueName('fan-600');
    const count = 600;
    await savePipeline(
      tenant,
      newPipeline(name, {
        // Activities: items the workflow carries out itself (core/echo's route) add a few history events in all.
        each: {
          uses: 'core/echo@^1',
          forEach: `\${{ [0..${count - 1}] }}`,
          maxParallel: 100,
          with: { i: '${{ item }}' },
          execution: 'activity',
        },
        check: { uses: 'core/echo@^1', needs: ['each'], with: { count: '${{ $count(steps.each.outputs) }}' } },
      }),
    );
    const run = await waitForRun(tenant, await startRun(tenant, name), undefined, 300_000);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(stepOf(run, 'check').outputs).toEqual({ count });
    expect((stepOf(run, 'each').outputs as Array<{ i: number }>).map((o) => o.i)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(stepOf(run, 'each').items).toEqual({ total: count, succeeded: count, failed: 0 });

    // The stack's server suggests continue-as-new after SUGGEST_CONTINUE_AS_NEW_EVENTS (production's: 10,240):
    // each execution stops taking items once told, so none grows far past it, and the run's own stays small.
    const executions = [];
    for await (const execution of temporal.workflow.list({ query: `WorkflowId = '${forEachWorkflowId(run.id, 'each')}'` }))
      executions.push(execution);
    expect(executions.length).toBeGreaterThan(1);
    for (const execution of executions) expect(execution.historyLength).toBeLessThan(2 * SUGGEST_CONTINUE_AS_NEW_EVENTS);
    const parent = await temporal.workflow.getHandle(run.id).describe();
    expect(parent.historyLength).toBeLessThan(100);
  }, 360_000);
});

describe(RunEventsRepository.name, () => {
  it('counts an item once, as failed, when a stale attempt records its success before or after its failure', async () => {
    const tenant = await newTenant();
    const name = uniqueName('fan-counts');
    // The approval holds the run before the fan-out, so only this test appends item events.
    await savePipeline(
      tenant,
      newPipeline(name, {
        gate: { approval: { roles: ['admin'], timeout: '1h' } },
        fan: { uses: 'core/echo@^1', needs: ['gate'], forEach: [0, 1, 2], with: { i: '${{ item }}' } },
      }),
    );
    const runId = await startRun(tenant, name);
    await waitForRun(tenant, runId, (r) => r.status === 'waiting');
    const pool = new pg.Pool({ connectionString: inject('databaseUrl') });
    try {
      const events = new RunEventsRepository(pool);
      const at = new Date().toISOString();
      const succeeded = (item: number): RunEvent => ({
        type: 'step.item_succeeded',
        key: `step:fan[${item}]:succeeded`,
        at,
        stepId: 'fan',
        item,
        attempt: 1,
        outputs: { i: item },
      });
      const failed = (item: number): RunEvent => ({
        type: 'step.item_failed',
        key: `step:fan[${item}]:failed`,
        at,
        stepId: 'fan',
        item,
        status: 'failed',
        error: { message: 'late' },
      });
      const fannedOut: RunEvent = { type: 'step.fanned_out', key: 'step:fan:fanned_out', at, stepId: 'fan', items: 3, maxParallel: 3 };
      for (const event of [fannedOut, succeeded(0), failed(0), failed(1), succeeded(1), succeeded(2), succeeded(2)])
        await events.append(tenant.tenantId, runId, [event]);
      const run = (await tenant.get(`/v1/runs/${runId}`).expect(200)).body;
      expect(stepOf(run, 'fan').items).toEqual({ total: 3, succeeded: 1, failed: 2 });
    } finally {
      await pool.end();
      await tenant.post(`/v1/runs/${runId}/cancel`).expect(202);
    }
  });
});
