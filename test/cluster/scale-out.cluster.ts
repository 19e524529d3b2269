import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../reliability/invariants.js';
import { api, newPipeline, newTenant, savePipeline, type RunView, type TestTenant } from '../support/builders.js';
import { startClusterInstallation, NAMESPACE, type ClusterInstallation } from './installation.js';

/** 40 runs of each of five shapes, through both APIs. */
const SHAPES = ['sequential', 'fan-out', 'approval', 'child', 'gpu'] as const;
const RUNS_PER_SHAPE = 40;
const TERMINAL = ['succeeded', 'failed', 'cancelled', 'timed_out'];

const PIPELINES = [
  newPipeline('sequential', {
    a: { uses: 'core/echo@^1', with: { n: '${{ inputs.n }}' } },
    b: { uses: 'core/echo@^1', needs: ['a'], with: { n: '${{ steps.a.outputs.n + 1 }}' } },
    c: { uses: 'core/echo@^1', needs: ['b'], with: { n: '${{ steps.b.outputs.n + 1 }}' } },
  }),
  newPipeline('fan-out', { each: { uses: 'core/echo@^1', forEach: [1, 2, 3, 4, 5], maxParallel: 3, with: { item: '${{ item }}' } } }),
  newPipeline('approval', {
    gate: { approval: { roles: ['operator'] } },
    after: { uses: 'core/echo@^1', needs: ['gate'], with: { by: '${{ steps.gate.outputs.by.role }}' } },
  }),
  newPipeline('child', { child: { uses: 'pipeline/run@^1', with: { pipeline: 'sequential', inputs: { n: 1 } } } }),
  newPipeline('gpu', { train: { uses: 'core/echo@^1', runsOn: 'gpu', with: { trained: true } } }),
].map((definition) => ({ ...definition, inputs: { n: { type: 'integer', default: 0 } } }));

describe('scale-out on a Temporal cluster', () => {
  let installation: ClusterInstallation;
  let urls: string[];
  let tenants: TestTenant[];
  beforeAll(async () => {
    installation = await startClusterInstallation({ workerPools: ['gpu'] });
    // Two APIs, each on a frontend of its own; three workers, one of them in a second pool.
    urls = [await installation.startApi('api-1', 0), await installation.startApi('api-2', 1)];
    installation.startWorker('worker-1', 0);
    installation.startWorker('worker-2', 1);
    installation.startWorker('worker-gpu', 1, 'gpu');
    const owner = await newTenant(urls[0]);
    // The same tenant through the other API: its API key works on every replica.
    tenants = [owner, { ...owner, ...withBase(owner, urls[1]) }];
    for (const definition of PIPELINES) await savePipeline(owner, definition);
  });
  afterAll(async () => {
    await installation?.stop();
  });

  it('ends every acknowledged run succeeded, exactly once, through a worker, an API and a history node killed mid-flight', async () => {
    const acknowledged = new Map<string, { id: string; shape: string; at: number }>();
    const keys = SHAPES.flatMap((shape) =>
      Array.from({ length: RUNS_PER_SHAPE }, (_, i) => ({ shape, key: `${shape}-${i}-${randomUUID()}` })),
    );
    let apiDown = false;
    const start = async ({ shape, key }: { shape: string; key: string }, index: number) => {
      // Alternating APIs until one is killed; a request that dies with it is sent again, with its key, to the other.
      for (let attempt = 0; ; attempt++) {
        const tenant = tenants[apiDown ? 0 : (index + attempt) % 2];
        try {
          const response = await tenant.post(`/v1/pipelines/${shape}/runs`, { inputs: { n: index } }).set('idempotency-key', key);
          expect(response.status, JSON.stringify(response.body)).toBe(202);
          acknowledged.set(key, { id: response.body.id, shape, at: Date.now() });
          return;
        } catch (error) {
          if (attempt > 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    };
    const started = Date.now();
    const order = keys.sort(() => Math.random() - 0.5);
    // The first half, ten at a time.
    for (let i = 0; i < order.length / 2; i += 10) await Promise.all(order.slice(i, i + 10).map((k, j) => start(k, i + j)));

    // Mid-flight: a worker of the default pool, an API and a history node die as machines do.
    installation.processes.get('worker-1')!.child.kill('SIGKILL');
    installation.processes.get('api-2')!.child.kill('SIGKILL');
    apiDown = true;
    await installation.cluster.kill('history-2');

    for (let i = order.length / 2; i < order.length; i += 10) await Promise.all(order.slice(i, i + 10).map((k, j) => start(k, i + j)));
    expect(acknowledged.size).toBe(order.length);

    // Approvals decided through the API that lives, as their runs reach them.
    const ended = new Map<string, RunView>();
    const deadline = Date.now() + 600_000;
    while (ended.size < acknowledged.size) {
      if (Date.now() > deadline) break;
      for (const { id, shape } of acknowledged.values()) {
        if (ended.has(id)) continue;
        const { body } = await tenants[0].get(`/v1/runs/${id}`).expect(200);
        if (TERMINAL.includes(body.status)) ended.set(id, body);
        else if (shape === 'approval' && body.status === 'waiting')
          await tenants[0].post(`/v1/runs/${id}/approvals/gate`, { approve: true }).expect(202);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const elapsedS = (Date.now() - started) / 1000;
    let startsRefused: number;
    const notSucceeded = [...acknowledged.values()].filter(({ id }) => ended.get(id)?.status !== 'succeeded');
    expect(
      notSucceeded.map(
        ({ id, shape }) => `${shape} ${id}: ${ended.get(id)?.status ?? 'not ended'} ${JSON.stringify(ended.get(id)?.error ?? null)}`,
      ),
    ).toEqual([]);

    // Exactly once: as many runs of each shape ran as were acknowledged. A start the engine could not take
    // while the history node's shards moved was answered 503 and recorded as never started (`start_failed`,
    // nothing ran: the invariants check it); the client's retry of it is the run that counts.
    const db = new pg.Client({ connectionString: installation.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ pipeline: string; outcome: string; runs: string }>(
        `SELECT pipeline_name AS pipeline, coalesce(error->>'code', status) AS outcome, count(*) AS runs
           FROM run WHERE tenant_id = $1 AND parent_run_id IS NULL GROUP BY 1, 2 ORDER BY 1, 2`,
        [tenants[0].tenantId],
      );
      const ran = rows.filter((row) => row.outcome !== 'start_failed');
      expect(Object.fromEntries(ran.map((row) => [`${row.pipeline} ${row.outcome}`, Number(row.runs)]))).toEqual(
        Object.fromEntries(SHAPES.map((shape) => [`${shape} succeeded`, RUNS_PER_SHAPE])),
      );
      startsRefused = rows.filter((row) => row.outcome === 'start_failed').reduce((sum, row) => sum + Number(row.runs), 0);
    } finally {
      await db.end();
    }
    expect(
      await checkInvariants(installation.databaseUrl, installation.cluster.frontends[0], {
        tenantIds: [tenants[0].tenantId],
        namespace: NAMESPACE,
      }),
    ).toEqual([]);

    const latencies = [...ended.values()].map((run) => Date.parse(run.endedAt!) - Date.parse(run.createdAt)).sort((a, b) => a - b);
    console.log(
      `cluster tier: ${acknowledged.size} runs in ${elapsedS.toFixed(1)} s with faults (${(acknowledged.size / elapsedS).toFixed(1)} runs/s); ` +
        `run latency p50 ${latencies[Math.floor(latencies.length / 2)]} ms, p95 ${latencies[Math.floor(latencies.length * 0.95)]} ms (approvals wait for this loop); ${startsRefused} start(s) answered 503 while shards moved, sent again`,
    );
  });
});

/** The tenant's requests, sent to another replica. */
function withBase(tenant: TestTenant, baseUrl: string): Partial<TestTenant> {
  const auth = (test: ReturnType<ReturnType<typeof api>['get']>) => test.set('authorization', `Bearer ${tenant.apiKey}`);
  return {
    baseUrl,
    get: (path) => auth(api(baseUrl).get(path)),
    post: (path, body) => auth(api(baseUrl).post(path)).send(body as object),
    put: (path, body) => auth(api(baseUrl).put(path)).send(body as object),
    delete: (path) => auth(api(baseUrl).delete(path)),
  };
}
