import pg from 'pg';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { newPipeline, savePipeline, stepOf, uniqueName, waitForRun, type RunView } from './support/builders.js';
import { ownInstallation } from './support/own-installation.js';
import { isAlive, spawnBaton, stepRunnerPids } from './support/processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface EventView {
  id: string;
  type: string;
  stepId: string | null;
  attempt?: number;
}

/**
 * A worker dies with SIGKILL in the middle of a step; a new worker on the same task queue finishes
 * the run. Runs on its own task queue with its own `baton api` and workers, so the shared worker of
 * the global stack never picks these tasks up.
 */
describe('worker crash', () => {
  const stack = ownInstallation('crash', { worker: true });

  type Interruption = 'kill' | 'freeze';

  /**
   * Runs a → b (sleeps 3 s) → c → d and interrupts the worker while b runs: `kill` is SIGKILL;
   * `freeze` is SIGSTOP until b's heartbeat has timed out and Temporal retried it, then SIGCONT,
   * so the stale first attempt completes late. Either way a second worker finishes it.
   */
  async function interruptedRun(interruption: Interruption) {
    const name = uniqueName(`crash-${interruption}`);
    await savePipeline(
      stack.tenant,
      newPipeline(name, {
        a: { uses: 'core/echo@^1', with: { step: 'a' } },
        b: { uses: 'core/sleep@^1', needs: ['a'], with: { ms: 3_000 } },
        c: { uses: 'core/echo@^1', needs: ['b'], with: { step: 'c' } },
        d: { uses: 'core/echo@^1', needs: ['c'], with: { step: 'd' } },
      }),
    );
    // Started through this test's API, so the workflow goes to this test's task queue.
    const started = await request(stack.baseUrl)
      .post(`/v1/pipelines/${name}/runs`)
      .set('authorization', `Bearer ${stack.tenant.apiKey}`)
      .send({});
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id: string = started.body.id;

    const first = stack.processes.find((p) => p.child.exitCode === null && p.child.signalCode === null && p !== stack.processes[0])!;
    await waitForRun(stack.tenant, id, (r) => stepOf(r, 'b').status === 'running', 30_000);
    const runners = stepRunnerPids(first.child.pid);
    runners.forEach((pid) => stack.strayRunners.add(pid));
    expect(runners.length, 'the first worker runs its steps in step-runner children').toBeGreaterThan(0);

    const second = () => stack.processes.push(spawnBaton('worker', stack.env));
    if (interruption === 'kill') {
      expect(await first.stop('SIGKILL')).toBeNull();
      // The runners lose their IPC channel with the worker and exit.
      for (let i = 0; i < 50 && runners.some(isAlive); i++) await sleep(100);
      expect(runners.filter(isAlive), 'step runners outlived their killed worker').toEqual([]);
      second();
    } else {
      first.child.kill('SIGSTOP');
      second();
      // Past b's 10 s heartbeat timeout: Temporal retries b while the first attempt is frozen.
      // (The frozen worker's open polls may be handed that retry too, so its attempt number varies.)
      await sleep(13_000);
      first.child.kill('SIGCONT');
    }
    let run;
    try {
      run = await waitForRun(stack.tenant, id, undefined, 60_000);
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
    // A resumed stale attempt would record its result within a few seconds of SIGCONT.
    if (interruption === 'freeze') await sleep(4_000);

    const events: EventView[] = [];
    let after: string | null = '0';
    while (after !== null) {
      const page: { body: { items: EventView[]; nextCursor: string | null } } = await stack.tenant
        .get(`/v1/runs/${id}/events?limit=5&after=${after}`)
        .expect(200);
      events.push(...page.body.items);
      after = page.body.nextCursor;
    }
    return { id, run, events };
  }

  async function expectEachStepSucceededOnce(id: string, run: RunView, events: EventView[], attemptsOfB = [1, 2]) {
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const lastAttemptOfB = attemptsOfB[attemptsOfB.length - 1];
    expect(run.steps.map((s) => [s.id, s.status, s.attempt])).toEqual([
      ['a', 'succeeded', 1],
      ['b', 'succeeded', lastAttemptOfB],
      ['c', 'succeeded', 1],
      ['d', 'succeeded', 1],
    ]);
    expect(stepOf(run, 'd').outputs).toEqual({ step: 'd' });
    const ofType = (type: string, stepId: string) => events.filter((e) => e.type === type && e.stepId === stepId);
    for (const stepId of ['a', 'b', 'c', 'd']) expect(ofType('step.succeeded', stepId), `step.succeeded of ${stepId}`).toHaveLength(1);
    expect(ofType('step.succeeded', 'b')[0].attempt).toBe(lastAttemptOfB);
    // a ran once, before the interruption; the new worker replayed the workflow without re-running it.
    expect(ofType('step.started', 'a')).toHaveLength(1);
    expect(ofType('step.started', 'b').map((e) => e.attempt)).toEqual(attemptsOfB);
    expect(events.filter((e) => e.type === 'step.failed')).toEqual([]);
    expect(events.filter((e) => e.type === 'run.started')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'run.completed')).toHaveLength(1);

    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      const keys = await db.query<{ total: number; distinct_keys: number }>(
        'SELECT count(*)::int AS total, count(DISTINCT key)::int AS distinct_keys FROM run_event WHERE run_id = $1',
        [id],
      );
      expect(keys.rows[0].total).toBe(keys.rows[0].distinct_keys);
      expect(keys.rows[0].total).toBe(events.length);
      const succeeded = await db.query<{ step_id: string; n: number }>(
        `SELECT step_id, count(*)::int AS n FROM run_event WHERE run_id = $1 AND type = 'step.succeeded' GROUP BY step_id ORDER BY step_id`,
        [id],
      );
      expect(succeeded.rows).toEqual([
        { step_id: 'a', n: 1 },
        { step_id: 'b', n: 1 },
        { step_id: 'c', n: 1 },
        { step_id: 'd', n: 1 },
      ]);
    } finally {
      await db.end();
    }
  }

  it(
    'finishes a run on a new worker after the first one is killed mid-step, running each step to success once',
    { timeout: 150_000 },
    async () => {
      const { id, run, events } = await interruptedRun('kill');
      await expectEachStepSucceededOnce(id, run, events);
    },
  );

  it('records one success per step when a frozen worker resumes after its step was retried elsewhere', { timeout: 180_000 }, async () => {
    const { id, run, events } = await interruptedRun('freeze');
    const attemptsOfB = events.filter((e) => e.type === 'step.started' && e.stepId === 'b').map((e) => e.attempt ?? 0);
    expect(attemptsOfB.length, 'b was retried while the first attempt was frozen').toBeGreaterThanOrEqual(2);
    await expectEachStepSucceededOnce(id, run, events, attemptsOfB);
  });

  it(
    'finishes a fan-out on a new worker after the first one is killed mid-way, each item succeeding once, in order',
    { timeout: 150_000 },
    async () => {
      const name = uniqueName('crash-fan');
      await savePipeline(
        stack.tenant,
        newPipeline(name, { fan: { uses: 'core/sleep@^1', forEach: '${{ [1..16] }}', maxParallel: 4, with: { ms: 700 } } }),
      );
      const started = await request(stack.baseUrl)
        .post(`/v1/pipelines/${name}/runs`)
        .set('authorization', `Bearer ${stack.tenant.apiKey}`)
        .send({});
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      const id: string = started.body.id;
      const first = stack.processes.find((p) => p.child.exitCode === null && p.child.signalCode === null && p !== stack.processes[0])!;
      const midway = await waitForRun(stack.tenant, id, (r) => (stepOf(r, 'fan').items?.succeeded ?? 0) >= 4, 30_000);
      expect(midway.status).toBe('running');
      stepRunnerPids(first.child.pid).forEach((pid) => stack.strayRunners.add(pid));
      expect(await first.stop('SIGKILL')).toBeNull();
      stack.processes.push(spawnBaton('worker', stack.env));

      const run = await waitForRun(stack.tenant, id, undefined, 90_000);
      expect(run.status, JSON.stringify(run)).toBe('succeeded');
      expect(stepOf(run, 'fan')).toMatchObject({
        outputs: Array(16).fill({ sleptMs: 700 }),
        items: { total: 16, succeeded: 16, failed: 0 },
      });
      const db = new pg.Client({ connectionString: stack.databaseUrl });
      await db.connect();
      try {
        const items = await db.query<{ item: number; n: number }>(
          `SELECT (data->>'item')::int AS item, count(*)::int AS n FROM run_event WHERE run_id = $1 AND type = 'step.item_succeeded' GROUP BY 1 ORDER BY 1`,
          [id],
        );
        expect(items.rows).toEqual(Array.from({ length: 16 }, (_, item) => ({ item, n: 1 })));
        const keys = await db.query<{ total: number; distinct_keys: number }>(
          'SELECT count(*)::int AS total, count(DISTINCT key)::int AS distinct_keys FROM run_event WHERE run_id = $1',
          [id],
        );
        expect(keys.rows[0].total).toBe(keys.rows[0].distinct_keys);
        // Items that were running when the worker died ran again; no item ran more than twice.
        const starts = await db.query<{ max: number }>(
          `SELECT max((data->>'attempt')::int)::int AS max FROM run_event WHERE run_id = $1 AND type = 'step.started'`,
          [id],
        );
        expect(starts.rows[0].max).toBeLessThanOrEqual(2);
      } finally {
        await db.end();
      }
    },
  );
});
