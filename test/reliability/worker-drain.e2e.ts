import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, inject, it } from 'vitest';
import { allEvents, newPipeline, savePipeline, stepOf, uniqueName, waitForRun } from '../support/builders.js';
import { ownInstallation } from '../support/own-installation.js';
import { freePort, spawnBaton, stepRunnerPids, waitForHttp, type BatonProcess } from '../support/processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 18, test 5: a worker stopped with SIGTERM in the middle of a step lets it finish (no retry)
 * and exits 0; one killed with SIGKILL has the step retried once by another worker. And an API
 * stopped with SIGTERM answers /readyz 503 at once and still finishes a request in flight.
 * Own `baton api` and workers on a task queue of their own, as in test/worker-crash.e2e.ts.
 */
describe('worker and API drain', () => {
  const stack = ownInstallation('drain', { worker: false, env: { LOG_LEVEL: 'info', WORKER_DRAIN_TIMEOUT: '30s' } });
  const exitOf = (p: BatonProcess) =>
    new Promise<{ code: number | null; at: number }>((resolve) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve({ code: p.child.exitCode, at: Date.now() });
      p.child.once('exit', (code) => resolve({ code, at: Date.now() }));
    });
  const startWorker = async () => {
    const metricsPort = await freePort();
    const worker = spawnBaton('worker', { ...stack.env, WORKER_METRICS_PORT: String(metricsPort) });
    stack.processes.push(worker);
    await waitForHttp(`http://127.0.0.1:${metricsPort}/readyz`, 60_000, () => worker.child.exitCode === null);
    return { worker, readyz: `http://127.0.0.1:${metricsPort}/readyz` };
  };

  /** Starts nap (`ms`) → after, on this test's queue, and waits until nap runs. */
  async function napping(ms: number) {
    const name = uniqueName('drain');
    await savePipeline(
      stack.tenant,
      newPipeline(name, {
        nap: { uses: 'core/sleep@^1', with: { ms } },
        after: { uses: 'core/echo@^1', needs: ['nap'], with: { done: true } },
      }),
    );
    const started = await request(stack.baseUrl)
      .post(`/v1/pipelines/${name}/runs`)
      .set('authorization', `Bearer ${stack.tenant.apiKey}`)
      .send({});
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id: string = started.body.id;
    const running = await waitForRun(stack.tenant, id, (r) => stepOf(r, 'nap').status === 'running', 30_000);
    return { id, running };
  }

  it('lets a running step finish on SIGTERM, without a retry, and exits 0 after it', { timeout: 120_000 }, async () => {
    const { worker: first, readyz } = await startWorker();
    // Longer than the step's heartbeat timeout and than the 10 s grace the worker used to have:
    // the draining worker keeps heartbeating, and nothing cancels the step.
    const { id } = await napping(12_000);
    stepRunnerPids(first.child.pid).forEach((pid) => stack.strayRunners.add(pid));
    const exit = exitOf(first);
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');

    // Draining: its readiness says so while the step runs.
    let draining: { status: number; body: { status?: string } } | undefined;
    for (let i = 0; i < 20 && draining?.body.status !== 'draining'; i++) {
      const response = await fetch(readyz).catch(() => undefined);
      if (response) draining = { status: response.status, body: (await response.json()) as { status?: string } };
      else await sleep(100);
    }
    expect(draining, stack.dump()).toMatchObject({ status: 503, body: { status: 'draining' } });
    // ...while its liveness stays 200: an orchestrator must not kill a worker for draining.
    const alive = await fetch(readyz.replace('/readyz', '/healthz'));
    expect([alive.status, await alive.json()], stack.dump()).toEqual([200, { status: 'ok', state: 'draining' }]);

    // Another worker takes the workflow on; the step itself stays with the draining one.
    await startWorker();
    const { code, at } = await exit;
    expect(code, stack.dump()).toBe(0);
    const run = await waitForRun(stack.tenant, id, undefined, 60_000).catch((error) => {
      console.error(stack.dump());
      throw error;
    });
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.steps.map((s) => [s.id, s.status, s.attempt])).toEqual([
      ['nap', 'succeeded', 1],
      ['after', 'succeeded', 1],
    ]);
    const nap = stepOf(run, 'nap');
    // The worker waited for the step: it ended after the step did, well after the signal.
    expect(at).toBeGreaterThanOrEqual(new Date(nap.endedAt!).getTime());
    expect(at - signalledAt).toBeGreaterThan(8_000);
    const events = await allEvents(stack.tenant, id);
    expect(events.filter((e) => e.type === 'step.started' && e.stepId === 'nap').map((e) => e.attempt)).toEqual([1]);
    expect(events.filter((e) => e.type === 'step.failed')).toEqual([]);
  });

  it('retries a step exactly once on another worker after SIGKILL', { timeout: 150_000 }, async () => {
    // Whatever worker is left from the test before, plus one: the step may land on either.
    await startWorker();
    const { id } = await napping(4_000);
    const alive = stack.processes.slice(1).filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    const holder = alive.find((p) => stepRunnerPids(p.child.pid).length > 0) ?? alive[0];
    stepRunnerPids(holder.child.pid).forEach((pid) => stack.strayRunners.add(pid));
    expect(await holder.stop('SIGKILL')).toBeNull();
    if (alive.length < 2) await startWorker();

    const run = await waitForRun(stack.tenant, id, undefined, 90_000).catch((error) => {
      console.error(stack.dump());
      throw error;
    });
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.steps.map((s) => [s.id, s.status, s.attempt])).toEqual([
      ['nap', 'succeeded', 2],
      ['after', 'succeeded', 1],
    ]);
    const events = await allEvents(stack.tenant, id);
    expect(events.filter((e) => e.type === 'step.started' && e.stepId === 'nap').map((e) => e.attempt)).toEqual([1, 2]);
    expect(events.filter((e) => e.type === 'step.succeeded' && e.stepId === 'nap')).toHaveLength(1);
  });

  it('drains the worker of `baton up` before the rest stops, answering /readyz 503 meanwhile', { timeout: 180_000 }, async () => {
    const upEnv = {
      BATON_HOME: join(stack.home, 'up'),
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      TEMPORAL_DEV_PORT: String(await freePort()),
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      JWT_SECRET: '',
      WEBHOOK_SIGNING_KEY: '',
      TEMPORAL_CLI_PATH: inject('temporalCliPath'),
      LOG_LEVEL: 'warn',
    };
    const url = `http://127.0.0.1:${upEnv.PORT}`;
    const start = async () => {
      const up = spawnBaton('up', upEnv);
      stack.processes.push(up);
      await waitForHttp(`${url}/readyz`, 90_000, () => up.child.exitCode === null).catch((error: Error) => {
        throw new Error(`${error.message}\n${up.output()}`);
      });
      return up;
    };
    const first = await start();
    const signup = await request(url)
      .post('/v1/signup')
      .send({ tenantName: 'drain', email: 'drain@example.test', password: 'a long enough password' })
      .expect(201);
    const auth = `Bearer ${signup.body.token}`;
    await request(url)
      .put('/v1/pipelines/nap')
      .set('authorization', auth)
      .send(
        newPipeline('nap', {
          nap: { uses: 'core/sleep@^1', with: { ms: 6_000 } },
          after: { uses: 'core/echo@^1', needs: ['nap'], with: { done: true } },
        }),
      )
      .expect(201);
    const id: string = (await request(url).post('/v1/pipelines/nap/runs').set('authorization', auth).send({}).expect(202)).body.id;
    const runOf = async () =>
      (await request(url).get(`/v1/runs/${id}`).set('authorization', auth).expect(200)).body as {
        status: string;
        steps: Array<{ id: string; status: string; attempt: number }>;
      };
    for (let i = 0; i < 150 && (await runOf()).steps[0].status !== 'running'; i++) await sleep(200);
    stepRunnerPids(first.child.pid).forEach((pid) => stack.strayRunners.add(pid));

    const exit = exitOf(first);
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    await sleep(300);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status, first.output()).toBe(503);
    expect(await ready.json()).toMatchObject({ code: 'draining' });
    const { code, at } = await exit;
    expect(code, first.output()).toBe(0);
    expect(at - signalledAt, 'up waited for the step').toBeGreaterThan(3_000);

    // Started again on the same home, the run goes on from the step that finished while draining.
    const second = await start();
    let run = await runOf();
    for (let i = 0; i < 150 && run.status !== 'succeeded' && run.status !== 'failed'; i++) {
      await sleep(200);
      run = await runOf();
    }
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.id, s.status, s.attempt])).toEqual([
      ['nap', 'succeeded', 1],
      ['after', 'succeeded', 1],
    ]);
    // Not SIGKILL: its embedded PostgreSQL and Temporal would outlive it.
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it('answers /readyz 503 at once on SIGTERM and still finishes a request in flight', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const api = spawnBaton('api', { ...stack.env, PORT: String(port), API_DRAIN_DELAY: '2s' });
    stack.processes.push(api);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/readyz`, 60_000, () => api.child.exitCode === null);

    // A pipeline saved by a client on a slow link: half the body now, the rest after the signal.
    const name = uniqueName('in-flight');
    const body = Buffer.from(JSON.stringify(newPipeline(name, { hello: { uses: 'core/echo@^1', with: { note: 'x'.repeat(20_000) } } })));
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${url}/v1/pipelines/${name}`,
        {
          method: 'PUT',
          headers: {
            authorization: `Bearer ${stack.tenant.apiKey}`,
            'content-type': 'application/json',
            'content-length': String(body.length),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, 1_000));
      setTimeout(() => req.end(body.subarray(1_000)), 4_000);
    });
    await sleep(300);
    const exit = exitOf(api);
    api.child.kill('SIGTERM');
    await sleep(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ code: 'draining' });
    // Past the delay the API stops accepting, but waits for the request above.
    await sleep(2_500);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(api.child.exitCode, api.output()).toBeNull();

    const answered = await response;
    expect(answered.status, answered.body).toBe(201);
    expect((await exit).code, api.output()).toBe(0);
    await stack.tenant.get(`/v1/pipelines/${name}`).expect(200);
  });
});
