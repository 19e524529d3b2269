import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  allEvents,
  newPipeline,
  newTenant,
  savePipeline,
  startRun,
  temporalClient,
  uniqueName,
  until,
  waitForRun,
  type TestTenant,
} from '../support/builders.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from '../support/processes.js';
import { checkInvariants } from './invariants.js';

/**
 * The sweep reconciles runs with their workflows. An API beside the stack's sweeps every second
 * (runs older than 2 s); the stack's own sweeps every 30 s, so this one does the work.
 */
describe('run sweeper', () => {
  let sweeper: BatonProcess;
  let tenant: TestTenant;
  let db: pg.Client;

  beforeAll(async () => {
    const port = await freePort();
    sweeper = spawnBaton('api', {
      ...inject('apiEnv'),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      RUN_SWEEP_INTERVAL: '1s',
      RUN_SWEEP_GRACE: '2s',
    });
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 60_000, () => sweeper.child.exitCode === null);
    tenant = await newTenant();
    db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
  });
  afterAll(async () => {
    // Whatever the sweep did, runs and workflows still match one to one.
    expect(await checkInvariants(inject('databaseUrl'), inject('temporalAddress'), { tenantIds: [tenant.tenantId] })).toEqual([]);
    await sweeper?.stop();
    await db?.end();
  });

  it('ends a run whose workflow an operator terminated, with the reason in an event', async () => {
    const name = uniqueName('terminated');
    await savePipeline(
      tenant,
      newPipeline(name, { nap: { uses: 'core/sleep@^1', with: { ms: 60_000 } }, after: { uses: 'core/echo@^1', needs: ['nap'] } }),
    );
    const id = await startRun(tenant, name);
    await waitForRun(tenant, id, (r) => r.steps.some((s) => s.status === 'running'), 30_000);
    // Terminated in Temporal (as `temporal workflow terminate` does): the workflow records nothing more.
    await (await temporalClient()).workflow.getHandle(id).terminate('stuck, said the operator');
    const run = await waitForRun(tenant, id, undefined, 30_000);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'workflow_terminated' } });
    expect(run.steps.map((s) => s.status)).toEqual(['cancelled', 'skipped']);
    const completed = (await allEvents(tenant, id)).filter((e) => e.type === 'run.completed');
    expect(completed).toHaveLength(1);
  });

  it('starts again a run whose workflow the engine lost (restored to a point before it), saying so', async () => {
    const name = uniqueName('lost');
    await savePipeline(tenant, newPipeline(name, { hi: { uses: 'core/echo@^1', with: { ok: true } } }));
    const original = await waitForRun(tenant, await startRun(tenant, name));
    // What a restore to an older point leaves: the run recorded and sent, its workflow unknown to Temporal.
    const lost = randomUUID();
    await db.query('BEGIN');
    await db.query(
      `INSERT INTO run (id, tenant_id, pipeline_id, pipeline_name, version, status, trigger, inputs, created_at, admitted_at, started_at)
       SELECT $2, tenant_id, pipeline_id, pipeline_name, version, 'running', trigger, inputs, now() - interval '1 minute', now() - interval '1 minute', now() - interval '1 minute' FROM run WHERE id = $1`,
      [original.id, lost],
    );
    await db.query(
      `INSERT INTO run_step (run_id, tenant_id, step_id, uses, status, attempt, position) SELECT $2, tenant_id, step_id, uses, 'queued', 0, position FROM run_step WHERE run_id = $1`,
      [original.id, lost],
    );
    await db.query(
      `INSERT INTO run_dispatch (run_id, tenant_id, input, created_at, sent_at, attempts) SELECT $2::uuid, tenant_id, jsonb_set(input::jsonb, '{runId}', to_jsonb($2::text))::json, now() - interval '1 minute', now() - interval '1 minute', 1 FROM run_dispatch WHERE run_id = $1`,
      [original.id, lost],
    );
    await db.query('COMMIT');

    const run = await waitForRun(tenant, lost, undefined, 60_000);
    expect(run.status).toBe('succeeded');
    const events = await allEvents(tenant, lost);
    expect(events.find((e) => e.type === 'run.recovered')).toMatchObject({ reason: expect.stringContaining('not found') });
    await until(
      async () => (await db.query('SELECT 1 FROM run_dispatch WHERE run_id = $1 AND sent_at IS NOT NULL', [lost])).rowCount === 1,
    );
  });

  it('leaves a child run alone while its parent runs, however long its start takes', async () => {
    const child = uniqueName('child');
    await savePipeline(tenant, newPipeline(child, { nap: { uses: 'core/sleep@^1', with: { ms: 4_000 } } }));
    const parent = uniqueName('parent');
    await savePipeline(tenant, newPipeline(parent, { call: { uses: 'pipeline/run@^1', with: { pipeline: child } } }));
    const run = await waitForRun(tenant, await startRun(tenant, parent), undefined, 60_000);
    // Several sweeps looked at the running child (older than the grace) and found its workflow: nothing to do.
    expect(run.status).toBe('succeeded');
    const events = await allEvents(tenant, run.id);
    expect(events.filter((e) => e.type === 'run.recovered')).toEqual([]);
  });
});
