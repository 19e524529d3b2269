import { randomUUID } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newPipeline, newTenant, savePipeline, uniqueName, waitForRun, type TestTenant } from '../support/builders.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from '../support/processes.js';
import { checkInvariants } from './invariants.js';

const invariantsOf = (tenant: TestTenant) =>
  checkInvariants(inject('databaseUrl'), inject('temporalAddress'), { tenantIds: [tenant.tenantId] });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Attempt {
  key: string;
  /** The run id the API acknowledged (202), if it answered. */
  runId?: string;
  /** What the API answered during the burst, if it did. */
  status?: number;
}

/**
 * The run ledger under crashes of the API: a `202` is a run that ends, exactly once. Extra `baton
 * api` processes on the stack's database and Temporal (the stack's worker runs the workflows) are
 * killed with SIGKILL while they record runs.
 */
describe('run ledger: the API dies while it starts runs', () => {
  const processes: BatonProcess[] = [];
  let tenant: TestTenant;
  let pipeline: string;
  let db: pg.Client;

  const spawnApi = async (extra: Record<string, string> = {}): Promise<{ process: BatonProcess; url: string }> => {
    const port = await freePort();
    const process = spawnBaton('api', { ...inject('apiEnv'), PORT: String(port), LOG_LEVEL: 'warn', ...extra });
    processes.push(process);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${url}/readyz`, 60_000, () => process.child.exitCode === null && process.child.signalCode === null);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${process.output()}`, { cause: error });
    }
    return { process, url };
  };

  const startOn = (url: string, key: string) =>
    request(url)
      .post(`/v1/pipelines/${pipeline}/runs`)
      .set('authorization', `Bearer ${tenant.apiKey}`)
      .set('idempotency-key', key)
      .timeout(30_000)
      .send({ inputs: {} });

  const runsOf = async (tenantId: string) =>
    (
      await db.query<{ id: string; status: string }>('SELECT id, status FROM run WHERE tenant_id = $1 AND pipeline_name = $2', [
        tenantId,
        pipeline,
      ])
    ).rows;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await db.end();
  });

  it('API killed during a burst of 200 keyed run creations from two APIs: after a restart and a retry of every key, one run per key and every run ends', async () => {
    tenant = await newTenant();
    pipeline = uniqueName('burst');
    await savePipeline(tenant, newPipeline(pipeline, { hi: { uses: 'core/echo@^1', with: { ok: true } } }));
    const [a, b] = await Promise.all([spawnApi(), spawnApi()]);
    const attempts: Attempt[] = Array.from({ length: 200 }, (_, i) => ({ key: `burst-${i}-${randomUUID()}` }));

    // 20 at a time, alternating between the two APIs; A is killed once a quarter of the requests went out.
    let sent = 0;
    const killed = (async () => {
      while (sent < 50) await sleep(5);
      a.process.child.kill('SIGKILL');
    })();
    const send = async (attempt: Attempt, i: number) => {
      sent += 1;
      // A connection that dies with A is not acknowledged.
      const response = await startOn(i % 2 ? b.url : a.url, attempt.key).catch(() => undefined);
      attempt.status = response?.status;
      if (response?.status === 202) attempt.runId = response.body.id;
    };
    for (let i = 0; i < attempts.length; i += 20) await Promise.all(attempts.slice(i, i + 20).map((attempt, j) => send(attempt, i + j)));
    await killed;
    // Whatever answered, answered 202: no 500 from the APIs' shared ledger while one of them died.
    expect(new Set(attempts.map((x) => x.status).filter((status) => status !== undefined))).toEqual(new Set([202]));
    const acknowledged = attempts.filter((x) => x.runId).length;
    expect(acknowledged, 'B answered its half').toBeGreaterThanOrEqual(100);
    expect(acknowledged, 'A died mid-burst').toBeLessThan(200);

    // A comes back; every key is retried, on either API.
    const a2 = await spawnApi();
    for (let i = 0; i < attempts.length; i += 20) {
      await Promise.all(
        attempts.slice(i, i + 20).map(async (attempt, j) => {
          const response = await startOn((i + j) % 2 ? b.url : a2.url, attempt.key);
          expect(response.status, JSON.stringify(response.body)).toBe(202);
          // A key acknowledged before the crash answers the same run again.
          if (attempt.runId) expect(response.body.id).toBe(attempt.runId);
          attempt.runId = response.body.id;
        }),
      );
    }

    const runs = await runsOf(tenant.tenantId);
    expect(runs.length, 'one run per key').toBe(200);
    expect(new Set(attempts.map((x) => x.runId))).toEqual(new Set(runs.map((r) => r.id)));
    // Every run ends: none is left queued by a start that died with A.
    for (const attempt of attempts) expect((await waitForRun(tenant, attempt.runId!, undefined, 120_000)).status).toBe('succeeded');
    const { rows: pending } = await db.query('SELECT run_id FROM run_dispatch WHERE tenant_id = $1 AND sent_at IS NULL', [tenant.tenantId]);
    expect(pending).toEqual([]);
    expect(await invariantsOf(tenant)).toEqual([]);
  });

  it('API killed between recording a run and starting its workflow: the run still runs, and a retry of the key answers it', async () => {
    tenant = await newTenant();
    pipeline = uniqueName('ledger');
    await savePipeline(tenant, newPipeline(pipeline, { hi: { uses: 'core/echo@^1', with: { ok: true } } }));
    // This API dies at the named point, after the ledger's commit and before it hands the run to Temporal.
    const doomed = await spawnApi({ NODE_ENV: 'test', BATON_FAULT_POINT: 'run.after-ledger' });
    const key = `after-ledger-${randomUUID()}`;
    await expect(startOn(doomed.url, key)).rejects.toThrow();
    expect(await doomed.process.stop()).toBeNull();
    expect(doomed.process.child.signalCode).toBe('SIGKILL');

    const [run] = await runsOf(tenant.tenantId);
    expect(run, 'the run was recorded before the API died').toBeDefined();
    // The stack's API sends what the dead one left in the outbox.
    expect((await waitForRun(tenant, run.id, undefined, 60_000)).status).toBe('succeeded');
    const retried = await startOn(inject('baseUrl'), key).expect(202);
    expect(retried.body).toMatchObject({ id: run.id, status: 'queued' });
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(await runsOf(tenant.tenantId)).toHaveLength(1);
    expect(await invariantsOf(tenant)).toEqual([]);
  });
});
