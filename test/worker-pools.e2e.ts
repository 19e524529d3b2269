import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, newPipeline, savePipeline, startRun, uniqueName, waitForRun, type RunView } from './support/builders.js';
import { ownInstallation } from './support/own-installation.js';
import { spawnBaton } from './support/processes.js';
import { parseSamples, valueOf } from './support/prometheus.js';

const adminToken = randomBytes(32).toString('base64url');
// An installation of its own: its gpu pool must have no worker until this test starts one.
const stack = ownInstallation('pools', { worker: true, env: { WORKER_POOLS: 'gpu', BATON_ADMIN_TOKEN: adminToken } });

async function poolGauges(pool: string) {
  const { text } = await api(stack.baseUrl).get('/metrics').set('authorization', `Bearer ${adminToken}`).expect(200);
  const samples = parseSamples(text);
  return {
    workers: valueOf(samples, 'baton_worker_pool_workers', { pool }),
    waiting: valueOf(samples, 'baton_worker_pool_waiting_steps', { pool }),
  };
}

const stepOf = (run: RunView, id: string) => run.steps.find((step) => step.id === id)!;

describe('worker pools', () => {
  it('refuses a runsOn naming a pool the installation does not declare, or no pool name at all', async () => {
    const name = uniqueName('pools-bad');
    const response = await stack.tenant.put(
      `/v1/pipelines/${name}`,
      newPipeline(
        name,
        {
          a: { uses: 'core/echo@^1', with: {}, runsOn: 'tpu' },
          b: { uses: 'core/echo@^1', with: {}, runsOn: 'gpu@other-queue' },
          c: { uses: 'core/echo@^1', with: {}, runsOn: 'x'.repeat(200) },
        },
        { runsOn: '../default' },
      ),
    );
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'steps.a.runsOn', message: 'No worker pool `tpu` on this installation; it has `default`, `gpu`' }),
        expect.objectContaining({ path: 'steps.b.runsOn', message: expect.stringMatching(/^A worker pool name must match/) }),
        expect.objectContaining({ path: 'steps.c.runsOn', message: expect.stringMatching(/^A worker pool name must match/) }),
        expect.objectContaining({ path: 'runsOn', message: expect.stringMatching(/^A worker pool name must match/) }),
      ]),
    );
  });

  it('holds a step for its pool, says so on the run and in the metrics, and runs it once `baton worker --pool` serves the pool', async () => {
    const name = uniqueName('pools');
    await savePipeline(
      stack.tenant,
      newPipeline(name, {
        prepare: { uses: 'core/echo@^1', with: { rows: 3 } },
        train: { uses: 'core/echo@^1', needs: ['prepare'], runsOn: 'gpu', with: { rows: '${{ steps.prepare.outputs.rows }}' } },
        report: { uses: 'core/echo@^1', needs: ['train'], with: { trained: '${{ steps.train.outputs.rows }}' } },
      }),
    );
    const runId = await startRun(stack.tenant, name);

    const waiting = await waitForRun(stack.tenant, runId, (run) => stepOf(run, 'train')?.waitingFor === 'pool', 30_000);
    expect(stepOf(waiting, 'prepare')).toMatchObject({ status: 'succeeded' });
    expect(stepOf(waiting, 'prepare')).not.toHaveProperty('pool');
    expect(stepOf(waiting, 'train')).toMatchObject({ status: 'queued', pool: 'gpu', waitingFor: 'pool' });
    expect(stepOf(waiting, 'report')).not.toHaveProperty('waitingFor');
    // Temporal's backlog count is approximate and follows the queue by a moment.
    await expect.poll(() => poolGauges('gpu'), { timeout: 15_000, interval: 500 }).toEqual({ workers: 0, waiting: 1 });
    expect((await poolGauges('default')).workers).toBe(1);

    // Held, not lost: the default pool's worker is idle and still does not take it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(stepOf(await waitForRun(stack.tenant, runId, () => true), 'train')).toMatchObject({ status: 'queued', waitingFor: 'pool' });

    const gpuWorker = spawnBaton(['worker', '--pool', 'gpu'], stack.env);
    stack.processes.push(gpuWorker);
    const done = await waitForRun(stack.tenant, runId, undefined, 60_000);
    expect(done.status, stack.dump()).toBe('succeeded');
    expect(stepOf(done, 'train')).toMatchObject({ status: 'succeeded', pool: 'gpu', outputs: { rows: 3 } });
    expect(stepOf(done, 'train')).not.toHaveProperty('waitingFor');
    expect(stepOf(done, 'report').outputs).toEqual({ trained: 3 });
    await expect.poll(() => poolGauges('gpu'), { timeout: 10_000 }).toEqual({ workers: 1, waiting: 0 });
  });
});
