import { beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  uniqueName,
  waitForRun,
  type TestTenant,
} from './support/builders.js';

interface Attempt {
  attempt: number;
  item?: number;
  queuedAt: string | null;
  startedAt: string;
  endedAt: string | null;
  status: string;
  error?: { message: string; code: string };
}
interface DetailStep {
  id: string;
  status: string;
  attempts: Attempt[];
  input: unknown;
  inputBytes?: number;
}
interface GraphNode {
  id: string;
  kind: string;
  uses: string | null;
  needs: string[];
  status: string;
  if?: unknown;
}

const ids = (body: { items: Array<{ id: string }> }) => body.items.map((r) => r.id);
const failing = (message: string) =>
  newPipeline(uniqueName('fails'), { boom: { uses: 'core/fail@^1', with: { message, retryable: false } } });

describe('GET /v1/runs: filters and free-text search of errors', () => {
  let tenant: TestTenant;
  let refused: string;
  let quota: string;
  let percent: string;
  let succeeded: string;
  beforeAll(async () => {
    tenant = await newTenant();
    refused = (await runToEnd(tenant, failing('Connection refused by warehouse-7:5432'))).id;
    quota = (await runToEnd(tenant, failing('Quota exceeded for bucket raw_sales'))).id;
    percent = (await runToEnd(tenant, failing('Disk 100% full on /var/lib/data'))).id;
    succeeded = (await runToEnd(tenant, newPipeline(uniqueName('fine'), { ok: { uses: 'core/echo@^1', with: { value: 'refused' } } }))).id;
  });

  it('finds runs by words of their error, case-insensitively, and nothing else', async () => {
    expect(ids((await tenant.get('/v1/runs?error=REFUSED%20by%20warehouse').expect(200)).body)).toEqual([refused]);
    expect(ids((await tenant.get('/v1/runs?error=raw_sales').expect(200)).body)).toEqual([quota]);
    // The step's own failure shows through the run's error message; the codes are searchable too.
    expect(ids((await tenant.get('/v1/runs?error=step_failed').expect(200)).body)).toEqual([percent, quota, refused]);
    expect(ids((await tenant.get('/v1/runs?error=requested_failure').expect(200)).body)).toEqual([percent, quota, refused]);
    const { body: run } = await tenant.get(`/v1/runs/${quota}`).expect(200);
    expect(run.error).toEqual({
      message: 'Step boom failed: Quota exceeded for bucket raw_sales',
      code: 'step_failed',
      stepCode: 'requested_failure',
      step: 'boom',
    });
    // A run whose outputs mention the word but which did not fail is not a match.
    expect(ids((await tenant.get('/v1/runs?error=refused').expect(200)).body)).not.toContain(succeeded);
  });

  it('takes % and _ literally', async () => {
    expect(ids((await tenant.get(`/v1/runs?error=${encodeURIComponent('100%')}`).expect(200)).body)).toEqual([percent]);
    expect(ids((await tenant.get(`/v1/runs?error=${encodeURIComponent('%')}`).expect(200)).body)).toEqual([percent]);
    // `_` would match any one character in a LIKE pattern: `raw_sales` must not match `raw-sales`-like text.
    expect(ids((await tenant.get(`/v1/runs?error=${encodeURIComponent('w_r')}`).expect(200)).body)).toEqual([]);
  });

  it('pages a search with the same keyset cursor as any list, and combines it with other filters', async () => {
    const first = (await tenant.get('/v1/runs?error=failed&limit=2').expect(200)).body;
    expect(ids(first)).toEqual([percent, quota]);
    const second = (await tenant.get(`/v1/runs?error=failed&limit=2&cursor=${first.nextCursor}`).expect(200)).body;
    expect(ids(second)).toEqual([refused]);
    expect(second.nextCursor).toBeNull();
    expect(ids((await tenant.get('/v1/runs?error=failed&status=succeeded').expect(200)).body)).toEqual([]);
  });

  it("never shows another tenant's runs, even for the same words", async () => {
    const other = await newTenant();
    expect(ids((await other.get('/v1/runs?error=warehouse-7').expect(200)).body)).toEqual([]);
    const theirs = (await runToEnd(other, failing('Connection refused by warehouse-7:5432'))).id;
    expect(ids((await other.get('/v1/runs?error=warehouse-7').expect(200)).body)).toEqual([theirs]);
    expect(ids((await tenant.get('/v1/runs?error=warehouse-7').expect(200)).body)).toEqual([refused]);
  });

  it('shows each listed run with its error in short, and null for a run that did not fail', async () => {
    const long = (await runToEnd(tenant, failing(`Schema drift in ${'column_x, '.repeat(60)}end`))).id;
    const listed = async (id: string, query = '') =>
      (await tenant.get(`/v1/runs?limit=500${query}`).expect(200)).body.items.find((r: { id: string }) => r.id === id);
    expect((await listed(quota)).error).toEqual({
      message: 'Step boom failed: Quota exceeded for bucket raw_sales',
      code: 'step_failed',
      stepCode: 'requested_failure',
      step: 'boom',
    });
    expect((await listed(succeeded)).error).toBeNull();
    const cut = (await listed(long)).error;
    expect(cut.message).toHaveLength(200);
    expect(cut.message.endsWith('…')).toBe(true);
    const { body: run } = await tenant.get(`/v1/runs/${long}`).expect(200);
    expect(run.error.message.startsWith(cut.message.slice(0, -1))).toBe(true);
    expect(run.error.message.length).toBeGreaterThan(600);
    expect((await listed(long, '&error=column_x')).error).toEqual(cut);
  });

  it('filters by several statuses, comma-separated or repeated', async () => {
    const failedRuns = [refused, quota, percent];
    const onlyMine = (body: { items: Array<{ id: string }> }) => ids(body).filter((id) => [...failedRuns, succeeded].includes(id));
    for (const query of ['status=failed,succeeded', 'status=failed&status=succeeded', 'status=succeeded,%20failed,failed']) {
      const { body } = await tenant.get(`/v1/runs?limit=500&${query}`).expect(200);
      expect(onlyMine(body).sort(), query).toEqual([...failedRuns, succeeded].sort());
      expect(body.items.every((r: { status: string }) => ['failed', 'succeeded'].includes(r.status))).toBe(true);
    }
    expect(onlyMine((await tenant.get('/v1/runs?status=succeeded').expect(200)).body)).toEqual([succeeded]);
    expect(onlyMine((await tenant.get('/v1/runs?status=cancelled,timed_out').expect(200)).body)).toEqual([]);
    // With the other filters, and paged like any list.
    expect(ids((await tenant.get('/v1/runs?status=failed,cancelled&error=raw_sales').expect(200)).body)).toEqual([quota]);
    const first = (await tenant.get('/v1/runs?status=failed,succeeded&limit=2').expect(200)).body;
    const second = (await tenant.get(`/v1/runs?status=failed,succeeded&limit=2&cursor=${first.nextCursor}`).expect(200)).body;
    expect(ids(first).filter((id) => ids(second).includes(id))).toEqual([]);
  });

  it('filters by trigger', async () => {
    const retried = (await tenant.post(`/v1/runs/${refused}/retry`, {}).expect(202)).body.id;
    expect(ids((await tenant.get('/v1/runs?trigger=retry').expect(200)).body)).toEqual([retried]);
    expect(ids((await tenant.get('/v1/runs?trigger=api').expect(200)).body)).not.toContain(retried);
    await waitForRun(tenant, retried);
  });

  it('refuses a bad filter naming it', async () => {
    for (const [query, path] of [
      ['error=', 'query.error'],
      [`error=${'x'.repeat(201)}`, 'query.error'],
      ['trigger=cron', 'query.trigger'],
      ['from=yesterday', 'query.from'],
      ['status=lost', 'query.status'],
      ['status=failed,lost', 'query.status'],
      ['status=failed&status=lost', 'query.status'],
      ['status=', 'query.status'],
      ['status=,', 'query.status'],
      [`status=${'failed,'.repeat(40)}`, 'query.status'],
      [Array.from({ length: 8 }, () => 'status=failed').join('&'), 'query.status'],
    ]) {
      const { body } = await tenant.get(`/v1/runs?${query}`).expect(400);
      expect(body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const { body } = await tenant.get('/v1/runs?status=failed,lost').expect(400);
    expect(body.errors).toEqual([
      {
        path: 'query.status',
        message: expect.stringMatching(/^Unknown status `lost`: must be one or more of: queued, running, .*timed_out$/),
      },
    ]);
    await api().get('/v1/runs?status=failed,succeeded').expect(401);
  });
});

describe("GET /v1/runs/{id}: timeline per attempt and the graph with each node's status", () => {
  let tenant: TestTenant;
  beforeAll(async () => {
    tenant = await newTenant();
  });

  it('shows every attempt of a retried step with when it was queued, started and ended', async () => {
    const definition = newPipeline(uniqueName('gantt'), {
      flaky: {
        uses: 'core/fail@^1',
        with: { message: 'warehouse busy', times: 2 },
        retry: { maxAttempts: 3, initialInterval: '300ms', backoffCoefficient: 1 },
      },
      fan: { uses: 'core/echo@^1', needs: ['flaky'], forEach: ['a', 'b', 'c'], with: { value: '${{ item }}' } },
      never: { uses: 'core/echo@^1', needs: ['flaky'], if: false, with: { value: 1 } },
      last: { uses: 'core/echo@^1', needs: ['fan', 'never'], with: { value: 'done' } },
    });
    const run = await runToEnd(tenant, definition);
    expect(run.status).toBe('succeeded');
    const { body } = await tenant.get(`/v1/runs/${run.id}`).expect(200);
    const step = (id: string) => body.steps.find((s: DetailStep) => s.id === id) as DetailStep;

    const flaky = step('flaky').attempts;
    expect(flaky.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'succeeded'],
    ]);
    expect(flaky[0].error).toEqual({ message: 'warehouse busy', code: 'step_error', stepCode: 'requested_failure' });
    for (const attempt of flaky) {
      const [queued, started, ended] = [attempt.queuedAt!, attempt.startedAt, attempt.endedAt!].map((t) => Date.parse(t));
      expect(queued).toBeLessThanOrEqual(started);
      expect(started).toBeLessThanOrEqual(ended);
    }
    // A retry is queued after its backoff, which starts when the previous attempt ends.
    for (const i of [1, 2]) expect(Date.parse(flaky[i].queuedAt!) - Date.parse(flaky[i - 1].endedAt!)).toBeGreaterThanOrEqual(250);

    expect(
      step('fan')
        .attempts.map((a) => [a.item, a.status])
        .sort(),
    ).toEqual([
      [0, 'succeeded'],
      [1, 'succeeded'],
      [2, 'succeeded'],
    ]);
    expect(step('never').attempts).toEqual([]);
    expect(body.queueWaitMs).toBeGreaterThanOrEqual(0);
    // What each step was given, as evaluated; a forEach step's items each have their own (not kept), a skipped step none.
    expect(step('flaky').input).toEqual({ message: 'warehouse busy', times: 2 });
    expect(step('last').input).toEqual({ value: 'done' });
    expect(step('fan').input).toBeNull();
    expect(step('never').input).toBeNull();

    const nodes = Object.fromEntries(body.graph.nodes.map((n: GraphNode) => [n.id, n]));
    expect(nodes.flaky).toMatchObject({ kind: 'step', uses: expect.stringMatching(/^core\/fail@/), needs: [], status: 'succeeded' });
    expect(nodes.fan).toMatchObject({ kind: 'forEach', status: 'succeeded' });
    expect(nodes.never).toMatchObject({ kind: 'step', if: false, status: 'skipped' });
    expect(body.graph.edges).toEqual(
      expect.arrayContaining([
        { from: 'flaky', to: 'fan' },
        { from: 'flaky', to: 'never' },
        { from: 'fan', to: 'last' },
        { from: 'never', to: 'last' },
      ]),
    );
    expect(body.graph.edges).toHaveLength(4);
  });

  it("keeps a step's evaluated input up to 64 KiB, and past it only its size", async () => {
    const big = 'x'.repeat(70_000);
    const definition = newPipeline(
      uniqueName('inputs'),
      {
        small: { uses: 'core/echo@^1', with: { greeting: 'hello ${{ inputs.who }}' } },
        large: { uses: 'core/echo@^1', with: { blob: '${{ inputs.blob }}' } },
      },
      { inputs: { who: { type: 'string' }, blob: { type: 'string' } } },
    );
    const run = await runToEnd(tenant, definition, { inputs: { who: 'ada', blob: big } });
    expect(run.status).toBe('succeeded');
    const { body } = await tenant.get(`/v1/runs/${run.id}`).expect(200);
    const step = (id: string) => body.steps.find((s: DetailStep) => s.id === id) as DetailStep;
    expect(step('small').input).toEqual({ greeting: 'hello ada' });
    expect(step('small').inputBytes).toBeUndefined();
    expect(step('large').input).toBeNull();
    expect(step('large').inputBytes).toBe(JSON.stringify({ blob: big }).length);
  });

  it("shows a running step's attempt as running, steps not reached as queued, and failure handlers as nodes", async () => {
    const definition = newPipeline(
      uniqueName('live'),
      {
        slow: { uses: 'core/sleep@^1', with: { ms: 1500 } },
        doomed: { uses: 'core/fail@^1', needs: ['slow'], with: { message: 'no luck', retryable: false } },
      },
      { onFailure: [{ uses: 'core/echo@^1', with: { value: 'cleanup' } }] },
    );
    await savePipeline(tenant, definition);
    const runId = await startRun(tenant, definition.name);
    const running = await waitForRun(tenant, runId, (r) => r.steps.find((s) => s.id === 'slow')?.status === 'running');
    const { body: live } = await tenant.get(`/v1/runs/${running.id}`).expect(200);
    expect(live.steps.find((s: DetailStep) => s.id === 'slow').attempts).toEqual([
      expect.objectContaining({ attempt: 1, status: 'running', endedAt: null }),
    ]);
    expect(live.graph.nodes.find((n: GraphNode) => n.id === 'doomed').status).toBe('queued');

    await waitForRun(tenant, runId);
    const { body: ended } = await tenant.get(`/v1/runs/${runId}`).expect(200);
    const nodes = Object.fromEntries(ended.graph.nodes.map((n: GraphNode) => [n.id, n]));
    expect(nodes.doomed.status).toBe('failed');
    expect(nodes['onFailure[0]']).toMatchObject({ kind: 'onFailure', status: 'succeeded', needs: [] });
    expect(ended.steps.find((s: DetailStep) => s.id === 'doomed').attempts).toEqual([
      expect.objectContaining({ status: 'failed', error: expect.objectContaining({ message: 'no luck' }) }),
    ]);
  });

  it("is not another tenant's to see", async () => {
    const run = await runToEnd(tenant, newPipeline(uniqueName('mine'), { one: { uses: 'core/echo@^1', with: { value: 1 } } }));
    await (await newTenant()).get(`/v1/runs/${run.id}`).expect(404);
  });
});

describe('GET /v1/runs/{id}/logs?step=: a step the run does not have is a 404, not an empty page', () => {
  let tenant: TestTenant;
  let runId: string;
  beforeAll(async () => {
    tenant = await newTenant();
    const definition = newPipeline(
      uniqueName('logged'),
      { say: { uses: 'core/log@^1', with: { message: 'hello' } }, quiet: { uses: 'core/echo@^1', needs: ['say'], with: { value: 1 } } },
      { onFailure: [{ uses: 'core/echo@^1', with: { value: 'cleanup' } }] },
    );
    runId = (await runToEnd(tenant, definition)).id;
  });

  it('reads the logs of a step of the run, of one that logged nothing, and of a failure handler that never ran', async () => {
    const said = (await tenant.get(`/v1/runs/${runId}/logs?step=say`).expect(200)).body.items;
    expect(said.length).toBeGreaterThan(0);
    expect(said.every((e: { stepId: string }) => e.stepId === 'say')).toBe(true);
    expect((await tenant.get(`/v1/runs/${runId}/logs?step=quiet`).expect(200)).body.items).toEqual([]);
    expect((await tenant.get(`/v1/runs/${runId}/logs?step=${encodeURIComponent('onFailure[0]')}`).expect(200)).body.items).toEqual([]);
  });

  it('answers 404 step_not_found naming the parameter, as JSON and as a stream', async () => {
    for (const step of ['nope', 'SAY', 'say ', 'onFailure[1]']) {
      const { body } = await tenant.get(`/v1/runs/${runId}/logs?step=${encodeURIComponent(step)}`).expect(404);
      expect(body).toMatchObject({ code: 'step_not_found', errors: [{ path: 'query.step', message: 'No step of this run' }] });
    }
    const stream = await api()
      .get(`/v1/runs/${runId}/logs?step=nope`)
      .set('authorization', `Bearer ${tenant.apiKey}`)
      .set('accept', 'text/event-stream')
      .expect(404);
    expect(stream.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(stream.body.code).toBe('step_not_found');
    // Longer than any step id: refused before looking.
    await tenant.get(`/v1/runs/${runId}/logs?step=${'s'.repeat(64)}`).expect(400);
  });

  it("is the run's 404 for another tenant, whatever the step, and 401 without a credential", async () => {
    const other = await newTenant();
    for (const step of ['say', 'nope']) {
      expect((await other.get(`/v1/runs/${runId}/logs?step=${step}`).expect(404)).body.code).toBe('run_not_found');
    }
    await api().get(`/v1/runs/${runId}/logs?step=say`).expect(401);
  });
});
