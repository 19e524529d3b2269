import { describe, expect, inject, it } from 'vitest';
import {
  allEvents,
  newPipeline,
  newTenant,
  savePipeline,
  startRun,
  stepOf,
  uniqueName,
  waitForRun,
  type RunView,
  type TestTenant,
} from '../support/builders.js';
import { controlStack, stackStatus } from '../support/restartable.js';
import { checkInvariants } from './invariants.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Like waitForRun, but a request the API fails while it reconnects to PostgreSQL is asked again. */
async function settle(tenant: TestTenant, id: string, timeoutMs = 120_000): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await tenant.get(`/v1/runs/${id}`);
    if (response.status === 200 && ['succeeded', 'failed', 'cancelled', 'timed_out'].includes(response.body.status)) return response.body;
    if (Date.now() > deadline)
      throw new Error(`run ${id} did not end in ${timeoutMs} ms: ${response.status} ${JSON.stringify(response.body)}`);
    await sleep(250);
  }
}

/**
 * Issue 18, test 4: PostgreSQL dies (SIGKILL of the postmaster) while steps run and is started again on
 * the same data folder. The runs finish; each step's success is recorded once, and no event is lost.
 */
describe('PostgreSQL restart', () => {
  it('finishes the runs, records each step once and loses no event', async () => {
    const control = inject('stackControlUrl');
    const tenant = await newTenant();
    const name = uniqueName('pg-restart');
    const steps = {
      a: { uses: 'core/sleep@^1', with: { ms: 1_500 } },
      b: { uses: 'core/sleep@^1', needs: ['a'], with: { ms: 1_500 } },
      c: { uses: 'core/echo@^1', needs: ['a'], with: { step: 'c' } },
      d: { uses: 'core/sleep@^1', needs: ['b', 'c'], with: { ms: 1_500 } },
    };
    await savePipeline(tenant, newPipeline(name, steps));
    const runs = await Promise.all(Array.from({ length: 3 }, () => startRun(tenant, name)));
    await waitForRun(tenant, runs[0], (r) => stepOf(r, 'a').status === 'running', 30_000);

    const before = await stackStatus(control);
    // Down across the end of step a, so its success must be recorded after the restart.
    await controlStack(control, 'postgres', 'kill', 'SIGKILL');
    await sleep(3_000);
    await controlStack(control, 'postgres', 'start');

    // The API and worker reconnect by themselves: a run started after the restart finishes too.
    let after: string | undefined;
    const deadline = Date.now() + 60_000;
    while (!after) {
      const response = await tenant.post(`/v1/pipelines/${name}/runs`, {});
      if (response.status === 202) after = response.body.id;
      else if (Date.now() > deadline)
        throw new Error(`no run accepted within 60 s of PostgreSQL's start: ${response.status} ${JSON.stringify(response.body)}`);
      else await sleep(500);
    }

    for (const id of [...runs, after]) {
      const run = await settle(tenant, id);
      expect(run.status, JSON.stringify(run)).toBe('succeeded');
      const events = await allEvents(tenant, id);
      const count = (type: string, stepId?: string) =>
        events.filter((e) => e.type === type && (stepId === undefined || e.stepId === stepId)).length;
      expect(count('run.completed'), id).toBe(1);
      for (const step of Object.keys(steps)) {
        expect({ step, succeeded: count('step.succeeded', step), started: count('step.started', step) > 0 }).toEqual({
          step,
          succeeded: 1,
          started: true,
        });
      }
    }
    // The same API and worker processes as before: they reconnected, nothing restarted them.
    const now = await stackStatus(control);
    expect({ api: now.api?.pid, worker: now.worker?.pid }).toEqual({ api: before.api?.pid, worker: before.worker?.pid });
    const violations = await checkInvariants(inject('databaseUrl'), inject('temporalAddress'), { tenantIds: [tenant.tenantId] });
    expect(violations).toEqual([]);
  });
});
