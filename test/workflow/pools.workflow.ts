import { describe, expect, it } from 'vitest';
import { poolTaskQueue } from '../../workers/contracts/index.js';
import { FakeActivities, newPipeline, onPoolWorker, runPipeline, useWorkflowEnvironment } from './support/engine.js';

const env = useWorkflowEnvironment();

/** A step on the default pool, one on `gpu` after it, a fan-out on `gpu`, and one sent back to the default pool. */
const mixed = () =>
  newPipeline({
    runsOn: 'gpu',
    steps: {
      prepare: { uses: 'core/noop@^1', runsOn: 'default' },
      train: { uses: 'ml/train@^1', needs: ['prepare'] },
      score: { uses: 'ml/score@^1', needs: ['train'], forEach: [1, 2, 3], with: { shard: '${{ item }}' } },
      report: { uses: 'core/noop@^1', needs: ['score'], runsOn: 'default' },
    },
  });

describe('worker pools', () => {
  it("runs each step on its pool's task queue; a pool's steps wait until a worker of it polls", async () => {
    const fakes = new FakeActivities();
    let runQueue = '';
    const run = await runPipeline(env(), fakes, mixed(), {
      during: async (handle, runId) => {
        runQueue = (await handle.describe()).taskQueue;
        await fakes.waitForEvent(runId, (event) => event.type === 'step.succeeded' && event.stepId === 'prepare');
        // Only the run's own worker polls: the gpu step is scheduled on a queue nobody serves.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(fakes.attemptsOf('train')).toHaveLength(0);
        await onPoolWorker(env(), fakes, runQueue, 'gpu', () => handle.result());
      },
    });

    expect(run.result?.status).toBe('succeeded');
    const queueOf = (stepId: string) => [...new Set(fakes.attemptsOf(stepId).map((attempt) => attempt.taskQueue))];
    expect(queueOf('prepare')).toEqual([runQueue]);
    expect(queueOf('train')).toEqual([poolTaskQueue(runQueue, 'gpu')]);
    expect(queueOf('score')).toEqual([poolTaskQueue(runQueue, 'gpu')]);
    expect(fakes.attemptsOf('score')).toHaveLength(3);
    expect(queueOf('report')).toEqual([runQueue]);
  });

  it('schedules a pipeline without runsOn as before pools: every step on the run’s own queue', async () => {
    const fakes = new FakeActivities();
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({ steps: { a: { uses: 'core/noop@^1' }, b: { uses: 'core/noop@^1', needs: ['a'], forEach: [1, 2] } } }),
    );
    expect(run.result?.status).toBe('succeeded');
    expect(new Set(fakes.attempts.map((attempt) => attempt.taskQueue)).size).toBe(1);
    expect(fakes.attempts[0].taskQueue).toMatch(/^workflow-tier-/);
  });
});
