import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { allEvents, newPipeline, savePipeline, temporalClient, uniqueName, until, waitForRun } from '../support/builders.js';
import { ownInstallation } from '../support/own-installation.js';
import { freePort, spawnBaton, waitForHttp } from '../support/processes.js';
import { checkInvariants } from './invariants.js';

/**
 * The engine took a run's start but its reply never reached the API (a network cut, a server past
 * the API's 5 s deadline): the API cannot tell whether the workflow exists. Whatever it answers, the
 * run must run once or not at all. An API of its own on a task queue of its own, started with a fault
 * point that loses the reply (`dispatch.reply-lost` at once, `dispatch.reply-late` after 3 s);
 * workers come and go as each case needs.
 */
describe('a run start whose reply the engine lost', () => {
  const stack = ownInstallation('reply', { worker: false, env: { NODE_ENV: 'test', BATON_FAULT_POINT: 'dispatch.reply-lost' } });
  let temporal: Client;
  let db: pg.Client;
  let pipeline: string;

  beforeAll(async () => {
    temporal = await temporalClient(stack.namespace);
    db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    pipeline = uniqueName('reply');
    await savePipeline(stack.tenant, newPipeline(pipeline, { hi: { uses: 'core/echo@^1', with: { ok: true } } }));
  });
  afterAll(async () => {
    await temporal?.connection.close();
    await db?.end();
  });

  const startOn = (url: string, key: string) =>
    request(url)
      .post(`/v1/pipelines/${pipeline}/runs`)
      .set('authorization', `Bearer ${stack.tenant.apiKey}`)
      .set('idempotency-key', key)
      .timeout(30_000)
      .send({});
  /** Every execution of the run's workflow id, once visibility has caught up with a start just made. */
  const executionsOf = async (runId: string) => {
    await new Promise((r) => setTimeout(r, 2_000));
    const found: string[] = [];
    for await (const execution of temporal.workflow.list({ query: `WorkflowId = '${runId}'` })) found.push(execution.status.name);
    return found;
  };
  const sentAgain = (runId: string) =>
    until(
      async () => (await db.query('SELECT 1 FROM run_dispatch WHERE run_id = $1 AND sent_at IS NOT NULL', [runId])).rowCount === 1,
      30_000,
    );
  let lateRun: string;
  const invariants = () =>
    checkInvariants(stack.databaseUrl, inject('temporalAddress'), { tenantIds: [stack.tenant.tenantId], namespace: stack.namespace });

  it('lost before the workflow began: 503 engine_unavailable, the run failed start_failed, and its workflow, once a worker takes it, runs nothing', async () => {
    const response = await startOn(stack.baseUrl, `lost-${randomUUID()}`);
    expect(response.status, JSON.stringify(response.body)).toBe(503);
    expect(response.body).toMatchObject({ code: 'engine_unavailable' });
    const {
      rows: [run],
    } = await db.query<{ id: string; status: string; code: string }>(
      `SELECT id, status, error->>'code' AS code FROM run WHERE tenant_id = $1 AND pipeline_name = $2`,
      [stack.tenant.tenantId, pipeline],
    );
    expect(run).toMatchObject({ status: 'failed', code: 'start_failed' });
    // The engine did take it: the workflow waits for a worker of this queue.
    expect((await temporal.workflow.getHandle(run.id).describe()).status.name).toBe('RUNNING');

    const metricsPort = await freePort();
    const worker = spawnBaton('worker', { ...stack.env, WORKER_METRICS_PORT: String(metricsPort) });
    stack.processes.push(worker);
    await waitForHttp(`http://127.0.0.1:${metricsPort}/readyz`, 60_000, worker);
    const result = await temporal.workflow.getHandle(run.id).result();
    // It found its run given up and ended at once, answering how the run ended.
    expect(result).toMatchObject({ status: 'failed', error: { code: 'start_failed' } });
    const events = await allEvents(stack.tenant, run.id);
    expect(events.map((e) => e.type)).toEqual(['run.completed']);
    expect((await waitForRun(stack.tenant, run.id)).steps).toMatchObject([{ id: 'hi', status: 'skipped' }]);
    expect(await invariants()).toEqual([]);
  });

  it('lost after the workflow recorded its start: 202, and the run runs once though the dispatcher starts it again after it ended', async () => {
    // The first test's worker runs this queue; this API loses each reply 3 s late, when the run is going.
    const port = await freePort();
    const late = spawnBaton('api', { ...stack.env, PORT: String(port), BATON_FAULT_POINT: 'dispatch.reply-late' });
    stack.processes.push(late);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/readyz`, 60_000, late);

    const key = `late-${randomUUID()}`;
    const response = await startOn(url, key);
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    const id: string = (lateRun = response.body.id);
    expect((await waitForRun(stack.tenant, id)).status).toBe('succeeded');
    // The row stayed unsent; a dispatch pass (whichever API leads) starts it again, finds it, marks it sent.
    await sentAgain(id);
    expect(await executionsOf(id)).toEqual(['COMPLETED']);
    expect((await allEvents(stack.tenant, id)).filter((e) => e.type === 'step.started')).toHaveLength(1);
    const replay = await startOn(stack.baseUrl, key).expect(202);
    expect(replay.body.id).toBe(id);
    expect(await invariants()).toEqual([]);
  });

  it('an outbox row sent again after its run ended (its "sent" lost in a crash) starts no second workflow', async () => {
    const ran = lateRun;
    await db.query(`UPDATE run_dispatch SET sent_at = NULL, next_attempt_at = now() WHERE run_id = $1`, [ran]);
    await sentAgain(ran);
    expect(await executionsOf(ran)).toEqual(['COMPLETED']);
    expect((await allEvents(stack.tenant, ran)).filter((e) => e.type === 'step.started')).toHaveLength(1);
    expect(await invariants()).toEqual([]);
  });
});
