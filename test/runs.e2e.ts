import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  temporalClient,
  uniqueName,
  waitForRun,
  type RunView,
  type TestTenant,
} from './support/builders.js';
import { isAlive, stepRunnerPids } from './support/processes.js';

const stepStatuses = (run: RunView) => Object.fromEntries(run.steps.map((s) => [s.id, s.status]));

describe('runs', () => {
  let tenant: TestTenant;
  beforeAll(async () => {
    tenant = await newTenant();
  });

  it('runs two parallel branches joined by a step that uses both outputs', async () => {
    const name = uniqueName('diamond');
    const run = await runToEnd(
      tenant,
      newPipeline(
        name,
        {
          left: { uses: 'core/echo@^1', with: { value: '${{ inputs.word }}', n: 2 } },
          right: { uses: 'core/sleep@^1', with: { ms: 300 } },
          slow: { uses: 'core/sleep@^1', with: { ms: 300 } },
          join: {
            uses: 'core/echo@^1',
            needs: ['left', 'right', 'slow'],
            with: {
              sentence: '${{ steps.left.outputs.value }} slept ${{ steps.right.outputs.sleptMs }}ms',
              doubled: '${{ steps.left.outputs.n * 2 }}',
            },
          },
        },
        {
          inputs: { word: { type: 'string' } },
          required: ['word'],
          outputs: { sentence: '${{ steps.join.outputs.sentence }}', doubled: '${{ steps.join.outputs.doubled }}' },
        },
      ),
      { inputs: { word: 'baton' } },
    );
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ sentence: 'baton slept 300ms', doubled: 4 });
    expect(stepOf(run, 'join').outputs).toEqual({ sentence: 'baton slept 300ms', doubled: 4 });
    const [right, slow, join] = ['right', 'slow', 'join'].map((id) => stepOf(run, id));
    // The two sleeps ran at the same time, and the join only after both.
    expect(Date.parse(right.startedAt!)).toBeLessThan(Date.parse(slow.endedAt!));
    expect(Date.parse(slow.startedAt!)).toBeLessThan(Date.parse(right.endedAt!));
    expect(Date.parse(join.startedAt!)).toBeGreaterThanOrEqual(Math.max(Date.parse(right.endedAt!), Date.parse(slow.endedAt!)));
  });

  it('fails the run on a non-retryable failure, skips its dependants and keeps the error on the step', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('fail'), {
        boom: { uses: 'core/fail@^1', with: { message: 'warehouse is on fire', retryable: false } },
        after: { uses: 'core/echo@^1', needs: ['boom'], with: {} },
        later: { uses: 'core/echo@^1', needs: ['after'], with: {} },
        independent: { uses: 'core/echo@^1', with: { ok: true } },
      }),
    );
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ step: 'boom', message: expect.stringContaining('warehouse is on fire') });
    expect(stepOf(run, 'boom')).toMatchObject({ status: 'failed', attempt: 1, error: { message: 'warehouse is on fire' } });
    expect(stepOf(run, 'after').status).toBe('skipped');
    expect(stepOf(run, 'later').status).toBe('skipped');
    expect(stepOf(run, 'independent').status).toBe('succeeded');
  });

  it('retries a retryable failure and succeeds on attempt 2', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('retry'), {
        flaky: { uses: 'core/fail@^1', with: { message: 'transient', times: 1 }, retry: { maxAttempts: 3, initialInterval: '100ms' } },
      }),
    );
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'flaky')).toMatchObject({ status: 'succeeded', attempt: 2, outputs: { attempt: 2 } });
    const events = await tenant.get(`/v1/runs/${run.id}/events`).expect(200);
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual([
      'run.started',
      'step.started',
      'step.attempt_failed',
      'step.started',
      'step.succeeded',
      'run.completed',
    ]);
  });

  it('times a step out and fails the run', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('timeout'), {
        nap: { uses: 'core/sleep@^1', with: { ms: 30_000 }, timeout: '1s', retry: { maxAttempts: 1 } },
      }),
    );
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'nap')).toMatchObject({ status: 'timed_out', error: { code: 'timeout' } });
    expect(Date.parse(stepOf(run, 'nap').endedAt!) - Date.parse(stepOf(run, 'nap').startedAt!)).toBeLessThan(10_000);
  });

  it('skips a step whose `if` is false, and steps that need only skipped steps', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('if'), {
        check: { uses: 'core/echo@^1', with: { passed: false } },
        publish: { uses: 'core/echo@^1', needs: ['check'], if: '${{ steps.check.outputs.passed }}', with: {} },
        announce: { uses: 'core/echo@^1', needs: ['publish'], with: {} },
        never: { uses: 'core/echo@^1', if: false, with: {} },
        always: { uses: 'core/echo@^1', needs: ['check', 'never'], with: {} },
      }),
    );
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['check', 'succeeded'],
      ['publish', 'skipped'],
      ['announce', 'skipped'],
      ['never', 'skipped'],
      ['always', 'succeeded'],
    ]);
  });

  it('cancels a running step: the run ends cancelled and the step process is gone', async () => {
    const own = await newTenant();
    const name = uniqueName('cancel');
    await savePipeline(
      own,
      newPipeline(name, {
        nap: { uses: 'core/sleep@^1', with: { ms: 60_000 } },
        after: { uses: 'core/echo@^1', needs: ['nap'], with: {} },
      }),
    );
    const before = new Set(stepRunnerPids());
    const id = await startRun(own, name);
    await waitForRun(own, id, (r) => stepOf(r, 'nap').status === 'running');
    let spawned: number[] = [];
    for (let i = 0; i < 50 && !spawned.length; i++) {
      spawned = stepRunnerPids().filter((pid) => !before.has(pid));
      if (!spawned.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(spawned.length).toBeGreaterThan(0);
    const cancelledAt = Date.now();
    await own.post(`/v1/runs/${id}/cancel`).expect(202);
    for (let i = 0; i < 200 && spawned.some(isAlive); i++) await new Promise((r) => setTimeout(r, 50));
    expect(spawned.filter(isAlive), 'the step process is gone').toEqual([]);
    // Heartbeats go out every second and the sandbox allows a 2 s grace before it kills the group.
    expect(Date.now() - cancelledAt, 'cancel reached the step process within heartbeat + grace').toBeLessThan(1_000 + 2_000 + 2_000);
    const run = await waitForRun(own, id, undefined, 20_000);
    expect(run.status).toBe('cancelled');
    expect(stepOf(run, 'nap').status).toBe('cancelled');
    expect(stepOf(run, 'after').status).toBe('skipped');
    expect(spawned.filter(isAlive)).toEqual([]);
    await own.post(`/v1/runs/${id}/cancel`).expect(409);
  });

  it("validates inputs at run start and answers 404 for unknown pipelines and other tenants' runs", async () => {
    const name = uniqueName('inputs');
    await savePipeline(
      tenant,
      newPipeline(
        name,
        { a: { uses: 'core/echo@^1', with: { day: '${{ inputs.day }}' } } },
        { inputs: { day: { type: 'string', format: 'date' } }, required: ['day'] },
      ),
    );
    const missing = await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(422);
    expect(missing.body.errors).toEqual([{ path: 'inputs.day', message: expect.any(String) }]);
    const wrong = await tenant.post(`/v1/pipelines/${name}/runs`, { inputs: { day: 'tuesday', extra: 1 } }).expect(422);
    expect(wrong.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['inputs.day', 'inputs.extra']);
    await tenant.post('/v1/pipelines/no-such-pipeline/runs', {}).expect(404);

    const id = await startRun(tenant, name, { inputs: { day: '2026-11-27' } });
    const other = await newTenant();
    await other.get(`/v1/runs/${id}`).expect(404);
    await other.post(`/v1/runs/${id}/cancel`).expect(404);
    await other.get(`/v1/runs/${id}/events`).expect(404);
    await other.get(`/v1/runs/${id}/logs`).expect(404);
    expect((await other.get('/v1/runs').expect(200)).body.items).toEqual([]);
    const run = await waitForRun(tenant, id);
    expect(stepOf(run, 'a').outputs).toEqual({ day: '2026-11-27' });
  });

  it('lets a failed step with continueOnError feed its dependants, and still succeeds the run', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('continue'), {
        optional: { uses: 'core/fail@^1', with: { message: 'nice to have', retryable: false }, continueOnError: true },
        report: { uses: 'core/echo@^1', needs: ['optional'], with: { optional: '${{ steps.optional.status }}' } },
      }),
    );
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'optional')).toMatchObject({ status: 'failed', error: { message: 'nice to have' } });
    expect(stepOf(run, 'report').outputs).toEqual({ optional: 'failed' });
  });

  it('stops a run at its timeout: the running step is cancelled and the rest skipped', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(
        uniqueName('run-timeout'),
        {
          nap: { uses: 'core/sleep@^1', with: { ms: 60_000 } },
          after: { uses: 'core/echo@^1', needs: ['nap'], with: {} },
        },
        { timeout: '2s' },
      ),
    );
    expect(run.status).toBe('timed_out');
    expect(run.error).toMatchObject({ code: 'timed_out' });
    expect(stepOf(run, 'nap').status).toBe('cancelled');
    expect(stepOf(run, 'after').status).toBe('skipped');
  });

  it('records an SLA breach while the run is still going, and none for a run within its SLA', async () => {
    const slow = await runToEnd(
      tenant,
      newPipeline(uniqueName('sla-late'), { nap: { uses: 'core/sleep@^1', with: { ms: 2500 } } }, { sla: '1s' }),
    );
    expect(slow.status).toBe('succeeded');
    const types = (await tenant.get(`/v1/runs/${slow.id}/events`).expect(200)).body.items.map((e: { type: string }) => e.type);
    expect(types).toContain('run.sla_breached');
    expect(types.indexOf('run.sla_breached')).toBeLessThan(types.indexOf('step.succeeded'));

    const quick = await runToEnd(tenant, newPipeline(uniqueName('sla-ok'), { a: { uses: 'core/echo@^1', with: {} } }, { sla: '30s' }));
    const quickTypes = (await tenant.get(`/v1/runs/${quick.id}/events`).expect(200)).body.items.map((e: { type: string }) => e.type);
    expect(quickTypes).not.toContain('run.sla_breached');
  });

  it('runs onFailure handlers in order when the run fails, with the failure in run.error, and skips them otherwise', async () => {
    const handlers = [
      {
        uses: 'core/log@^1',
        with: { message: 'run ${{ run.id }} failed at ${{ run.error.step }}: ${{ run.error.message }}', level: 'error' },
      },
      { uses: 'core/echo@^1', with: { failedStep: '${{ run.error.step }}', loaded: '${{ steps.extract.outputs.rows }}' } },
    ];
    const failing = await runToEnd(
      tenant,
      newPipeline(
        uniqueName('on-failure'),
        {
          extract: { uses: 'core/echo@^1', with: { rows: 3 } },
          load: { uses: 'core/fail@^1', needs: ['extract'], with: { message: 'warehouse down', retryable: false } },
        },
        { onFailure: handlers },
      ),
    );
    expect(failing.status).toBe('failed');
    expect(failing.error).toMatchObject({ step: 'load' });
    expect(stepOf(failing, 'onFailure[0]')).toMatchObject({ status: 'succeeded', uses: 'core/log@^1' });
    expect(stepOf(failing, 'onFailure[1]')).toMatchObject({ status: 'succeeded', outputs: { failedStep: 'load', loaded: 3 } });
    const logs = await tenant.get(`/v1/runs/${failing.id}/logs?step=${encodeURIComponent('onFailure[0]')}`).expect(200);
    expect(logs.body.items[0]).toMatchObject({
      level: 'error',
      message: expect.stringContaining('failed at load: Step load failed: warehouse down'),
    });

    const passing = await runToEnd(
      tenant,
      newPipeline(uniqueName('no-failure'), { extract: { uses: 'core/echo@^1', with: { rows: 3 } } }, { onFailure: handlers }),
    );
    expect(passing.status).toBe('succeeded');
    expect([stepOf(passing, 'onFailure[0]').status, stepOf(passing, 'onFailure[1]').status]).toEqual(['skipped', 'skipped']);

    const invalid = await tenant
      .post(
        '/v1/pipelines/validate',
        newPipeline(
          'bad-handler',
          { a: { uses: 'core/echo@^1', with: {} } },
          { onFailure: [{ uses: 'nope/thing@^1' }, { uses: 'core/sleep@^1', with: { ms: 'x' } }] },
        ),
      )
      .expect(422);
    expect(invalid.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['onFailure[0].uses', 'onFailure[1].with.ms']),
    );
  });

  it('runs the pipeline version it started with, even when a new version is saved mid-run', async () => {
    const name = uniqueName('pinned');
    const v1 = newPipeline(
      name,
      {
        nap: { uses: 'core/sleep@^1', with: { ms: 1500 } },
        label: { uses: 'core/echo@^1', needs: ['nap'], with: { version: 'one' } },
      },
      { outputs: { version: '${{ steps.label.outputs.version }}' } },
    );
    await savePipeline(tenant, v1);
    const id = await startRun(tenant, name);
    await waitForRun(tenant, id, (r) => stepOf(r, 'nap').status === 'running');
    await tenant
      .put(`/v1/pipelines/${name}`, {
        ...v1,
        steps: { ...v1.steps, label: { uses: 'core/echo@^1', needs: ['nap'], with: { version: 'two' } } },
      })
      .expect(201);
    const run = await waitForRun(tenant, id);
    expect(run).toMatchObject({ status: 'succeeded', version: 1, outputs: { version: 'one' } });
    const next = await waitForRun(tenant, await startRun(tenant, name));
    expect(next).toMatchObject({ version: 2, outputs: { version: 'two' } });
  });

  it("queues runs beyond a pipeline's concurrency instead of refusing them, and never overlaps them", async () => {
    const name = uniqueName('concurrency');
    await savePipeline(tenant, newPipeline(name, { nap: { uses: 'core/sleep@^1', with: { ms: 1200 } } }, { concurrency: 1 }));
    const ids = [await startRun(tenant, name), await startRun(tenant, name), await startRun(tenant, name)];
    // Queued runs start as slots free up, in no guaranteed order: look at the pipeline as a whole.
    let statuses: string[] = [];
    for (let i = 0; i < 100 && !statuses.includes('running'); i++) {
      statuses = (await tenant.get(`/v1/runs?pipeline=${name}`).expect(200)).body.items.map((r: { status: string }) => r.status);
      if (!statuses.includes('running')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(statuses.sort()).toEqual(['queued', 'queued', 'running']);
    const cancelledWhileQueued = await startRun(tenant, name);
    await tenant.post(`/v1/runs/${cancelledWhileQueued}/cancel`).expect(202);
    const cancelled = await waitForRun(tenant, cancelledWhileQueued, undefined, 30_000);
    expect(cancelled.status).toBe('cancelled');
    expect(stepOf(cancelled, 'nap').status).toBe('skipped');

    const runs = [];
    for (const id of ids) runs.push(await waitForRun(tenant, id, undefined, 60_000));
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const windows = runs
      .map((r) => [Date.parse(stepOf(r, 'nap').startedAt!), Date.parse(stepOf(r, 'nap').endedAt!)] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < windows.length; i++) expect(windows[i][0]).toBeGreaterThanOrEqual(windows[i - 1][1]);
  });

  it('stops onFailure handlers on cancel and still records the run as failed', async () => {
    const name = uniqueName('cancel-handlers');
    await savePipeline(
      tenant,
      newPipeline(
        name,
        { load: { uses: 'core/fail@^1', with: { message: 'down', retryable: false } } },
        {
          onFailure: [
            { uses: 'core/sleep@^1', with: { ms: 60_000 } },
            { uses: 'core/echo@^1', with: {} },
          ],
        },
      ),
    );
    const id = await startRun(tenant, name);
    await waitForRun(tenant, id, (r) => stepOf(r, 'onFailure[0]').status === 'running');
    await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
    const run = await waitForRun(tenant, id, undefined, 20_000);
    expect(run).toMatchObject({ status: 'failed', error: { step: 'load' } });
    expect([stepOf(run, 'onFailure[0]').status, stepOf(run, 'onFailure[1]').status]).toEqual(['cancelled', 'skipped']);
  });

  it("runs a pipeline of 500 steps, the most a pipeline may have, far inside Temporal's history limits", async () => {
    // Ten chains of fifty: step i needs step i - 10, so ten steps run at a time.
    const steps = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [
        `s${i}`,
        { uses: 'core/echo@^1', with: { i }, ...(i >= 10 ? { needs: [`s${i - 10}`] } : {}) },
      ]),
    );
    const name = uniqueName('wide');
    await savePipeline(tenant, newPipeline(name, steps, { outputs: { last: '${{ steps.s499.outputs.i }}' } }));
    const run = await waitForRun(tenant, await startRun(tenant, name), undefined, 180_000);
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ last: 499 });
    expect(run.steps.filter((s) => s.status === 'succeeded')).toHaveLength(500);
    const temporal = await temporalClient();
    try {
      const { historyLength } = await temporal.workflow.getHandle(run.id).describe();
      console.log(`500-step run: ${historyLength} history events`);
      // Temporal fails a workflow at 51,200 events; a run of the largest pipeline stays far below.
      expect(historyLength).toBeLessThan(10_000);
    } finally {
      await temporal.connection.close();
    }
  }, 200_000);

  it('pages through run events in order', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('events'), { a: { uses: 'core/echo@^1', with: {} }, b: { uses: 'core/echo@^1', needs: ['a'], with: {} } }),
    );
    const seen: string[] = [];
    let after: string | null = '0';
    while (after !== null) {
      const page: { body: { items: Array<{ type: string; stepId: string | null }>; nextCursor: string | null } } = await tenant
        .get(`/v1/runs/${run.id}/events?limit=2&after=${after}`)
        .expect(200);
      seen.push(...page.body.items.map((e) => `${e.type}${e.stepId ? `:${e.stepId}` : ''}`));
      after = page.body.nextCursor;
    }
    expect(seen).toEqual(['run.started', 'step.started:a', 'step.succeeded:a', 'step.started:b', 'step.succeeded:b', 'run.completed']);
  });

  it('makes run starts idempotent with Idempotency-Key', async () => {
    const name = uniqueName('idem');
    await savePipeline(tenant, newPipeline(name, { a: { uses: 'core/echo@^1', with: {} } }));
    const key = `key-${name}`;
    const first = await tenant.post(`/v1/pipelines/${name}/runs`, {}).set('idempotency-key', key).expect(202);
    const again = await tenant.post(`/v1/pipelines/${name}/runs`, {}).set('idempotency-key', key).expect(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const reused = await tenant.post(`/v1/pipelines/${name}/runs`, { version: 1 }).set('idempotency-key', key).expect(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
    const runs = await tenant.get(`/v1/runs?pipeline=${name}`).expect(200);
    expect(runs.body.items).toHaveLength(1);
  });

  it('lists runs newest first with filters and keyset pagination', async () => {
    const own = await newTenant();
    const name = uniqueName('list');
    await savePipeline(own, newPipeline(name, { a: { uses: 'core/echo@^1', with: {} } }));
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await startRun(own, name));
    const first = await own.get('/v1/runs?limit=2').expect(200);
    expect(first.body.items.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
    const second = await own.get(`/v1/runs?limit=2&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body.items.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
    for (const id of ids) await waitForRun(own, id);
    expect((await own.get('/v1/runs?status=succeeded').expect(200)).body.items).toHaveLength(3);
    expect((await own.get('/v1/runs?status=failed').expect(200)).body.items).toHaveLength(0);
  });

  describe('connectors', () => {
    let server: Server;
    let url: string;
    const flakyCalls = new Map<string, number>();
    beforeAll(async () => {
      server = createServer((request, response) => {
        if (request.url?.startsWith('/flaky/')) {
          // Fails the first call of each path, then succeeds: an outage that ends between two runs.
          const calls = (flakyCalls.get(request.url) ?? 0) + 1;
          flakyCalls.set(request.url, calls);
          response.statusCode = calls === 1 ? 503 : 200;
          response.setHeader('content-type', 'application/json');
          return void response.end(JSON.stringify({ calls }));
        }
        let body = '';
        request.on('data', (c) => (body += c));
        request.on('end', () => {
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify({ method: request.method, path: request.url, received: body ? JSON.parse(body) : null }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('retries a failed run from the failed step: succeeded steps are reused, the rest runs on the pinned version', async () => {
      const name = uniqueName('retry-from');
      const definition = newPipeline(
        name,
        {
          prepare: { uses: 'core/echo@^1', with: { batch: '${{ inputs.batch }}' } },
          upload: {
            uses: 'http/request@^1',
            needs: ['prepare'],
            with: { url: `${url}/flaky/${name}`, method: 'POST', body: { batch: '${{ steps.prepare.outputs.batch }}' } },
            retry: { maxAttempts: 1 },
          },
          report: {
            uses: 'core/echo@^1',
            needs: ['upload'],
            with: { batch: '${{ steps.prepare.outputs.batch }}', calls: '${{ steps.upload.outputs.body.calls }}' },
          },
        },
        { inputs: { batch: { type: 'integer' } }, required: ['batch'], outputs: { calls: '${{ steps.report.outputs.calls }}' } },
      );
      await savePipeline(tenant, definition);
      const failed = await waitForRun(tenant, await startRun(tenant, name, { inputs: { batch: 7 } }));
      expect(failed.status).toBe('failed');
      expect(stepStatuses(failed)).toEqual({ prepare: 'succeeded', upload: 'failed', report: 'skipped' });

      // A newer version must not change what the retry executes.
      await tenant
        .put(`/v1/pipelines/${name}`, {
          ...definition,
          steps: { only: { uses: 'core/echo@^1', with: {} } },
          inputs: undefined,
          required: undefined,
          outputs: undefined,
        })
        .expect(201);

      const retried = await tenant.post(`/v1/runs/${failed.id}/retry`, { fromFailed: true }).expect(202);
      expect(retried.body).toMatchObject({ pipeline: name, version: 1, retryOf: failed.id, status: 'queued' });
      const run = await waitForRun(tenant, retried.body.id);
      expect(run).toMatchObject({ status: 'succeeded', trigger: 'retry', retryOf: failed.id, inputs: { batch: 7 }, outputs: { calls: 2 } });
      expect(stepStatuses(run)).toEqual({ prepare: 'succeeded', upload: 'succeeded', report: 'succeeded' });
      expect(stepOf(run, 'prepare')).toMatchObject({ attempt: 0, outputs: { batch: 7 } });
      const events = await tenant.get(`/v1/runs/${run.id}/events`).expect(200);
      const forPrepare = events.body.items.filter((e: { stepId: string | null }) => e.stepId === 'prepare');
      expect(forPrepare).toEqual([expect.objectContaining({ type: 'step.reused', fromRun: failed.id })]);
      expect(flakyCalls.get(`/flaky/${name}`)).toBe(2);
    });

    it("refuses to retry a run that is still going, a succeeded run from a failed step, and another tenant's run", async () => {
      const name = uniqueName('retry-guard');
      await savePipeline(tenant, newPipeline(name, { nap: { uses: 'core/sleep@^1', with: { ms: 1500 } } }));
      const id = await startRun(tenant, name);
      expect((await tenant.post(`/v1/runs/${id}/retry`, {}).expect(409)).body.code).toBe('run_not_finished');
      expect((await waitForRun(tenant, id)).status).toBe('succeeded');
      expect((await tenant.post(`/v1/runs/${id}/retry`, { fromFailed: true }).expect(409)).body.code).toBe('nothing_to_retry');
      await (await newTenant()).post(`/v1/runs/${id}/retry`, {}).expect(404);
      const again = await tenant.post(`/v1/runs/${id}/retry`, {}).expect(202);
      expect(again.body).toMatchObject({ retryOf: id, otherRetries: [] });
      // A double click without an Idempotency-Key starts a second run, and the answer says so.
      const twice = await tenant.post(`/v1/runs/${id}/retry`, {}).expect(202);
      expect(twice.body.id).not.toBe(again.body.id);
      expect(twice.body.otherRetries).toEqual([
        { id: again.body.id, createdAt: expect.any(String), status: expect.stringMatching(/^(queued|running|succeeded)$/) },
      ]);
      await waitForRun(tenant, twice.body.id);
      const rerun = await waitForRun(tenant, again.body.id);
      expect(rerun).toMatchObject({ status: 'succeeded', retryOf: id, trigger: 'retry' });
      expect((await tenant.get('/v1/runs?trigger=retry').expect(200)).body.items.map((r: { id: string }) => r.id)).toContain(rerun.id);
    });

    it('calls an HTTP endpoint, reshapes the answer with JSONata and logs it', async () => {
      const run = await runToEnd(
        tenant,
        newPipeline(
          uniqueName('http'),
          {
            fetch: {
              uses: 'http/request@^1',
              with: {
                url: `${url}/orders`,
                method: 'POST',
                body: {
                  items: [
                    { sku: 'a', qty: 2 },
                    { sku: 'b', qty: 3 },
                  ],
                },
              },
            },
            total: {
              uses: 'transform/jsonata@^1',
              needs: ['fetch'],
              with: { expression: '$sum(received.items.qty)', data: '${{ steps.fetch.outputs.body }}' },
            },
            say: { uses: 'core/log@^1', needs: ['total'], with: { message: 'total is ${{ steps.total.outputs.result }}', level: 'warn' } },
          },
          { outputs: { total: '${{ steps.total.outputs.result }}', status: '${{ steps.fetch.outputs.status }}' } },
        ),
      );
      expect(run.status).toBe('succeeded');
      expect(run.outputs).toEqual({ total: 5, status: 200 });
      expect(stepOf(run, 'fetch').outputs).toMatchObject({ body: { method: 'POST', path: '/orders' } });
      const logs = await tenant.get(`/v1/runs/${run.id}/logs?step=say`).expect(200);
      expect(logs.body.items).toEqual([expect.objectContaining({ type: 'step.log', stepId: 'say', level: 'warn', message: 'total is 5' })]);
    });
  });
});
