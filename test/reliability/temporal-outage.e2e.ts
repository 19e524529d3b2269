import { describe, expect, inject, it } from 'vitest';
import { newPipeline, newTenant, savePipeline, startRun, stepOf, uniqueName, waitForRun } from '../support/builders.js';
import { controlStack } from '../support/restartable.js';
import { checkInvariants } from './invariants.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 18, test 3: the Temporal dev server stops (SIGKILL) for 20 s while runs are in flight, then
 * starts again on its own database file. The runs finish; new runs meanwhile are refused with 503
 * `engine_unavailable` (never a 500), and accepted again once it is back.
 */
describe('Temporal outage', () => {
  it('finishes the runs in flight and answers 503 engine_unavailable for new runs until Temporal is back', async () => {
    const control = inject('stackControlUrl');
    const tenant = await newTenant();
    const name = uniqueName('outage');
    await savePipeline(
      tenant,
      newPipeline(name, {
        a: { uses: 'core/sleep@^1', with: { ms: 2_000 } },
        b: { uses: 'core/sleep@^1', needs: ['a'], with: { ms: 2_000 } },
        c: { uses: 'core/sleep@^1', needs: ['b'], with: { ms: 2_000 } },
      }),
    );
    const inFlight = await Promise.all(Array.from({ length: 3 }, () => startRun(tenant, name)));
    await waitForRun(tenant, inFlight[0], (r) => stepOf(r, 'a').status === 'running', 30_000);

    await controlStack(control, 'temporal', 'stop', 'SIGKILL');
    const stoppedAt = Date.now();
    // The dispatcher gives a start 5 s before it counts the engine as down (without that deadline the
    // client retried for 35-39 s, longer than a caller waits). The refusals' latencies are printed below.
    const refused: Array<{ status: number; type: string | null; code: unknown; ms: number }> = [];
    while (Date.now() - stoppedAt < 20_000) {
      const sent = Date.now();
      const response = await fetch(`${inject('baseUrl')}/v1/pipelines/${name}/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
        body: '{}',
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await response.json()) as { code?: unknown };
      refused.push({ status: response.status, type: response.headers.get('content-type'), code: body.code, ms: Date.now() - sent });
      await sleep(2_000);
    }
    await controlStack(control, 'temporal', 'start');

    console.info(`during the outage: ${JSON.stringify(refused)}`);
    expect(refused.length).toBeGreaterThan(0);
    expect(
      refused.filter((r) => r.status !== 503 || r.code !== 'engine_unavailable' || !r.type?.startsWith('application/problem+json')),
      JSON.stringify(refused),
    ).toEqual([]);
    expect(Math.max(...refused.map((r) => r.ms)), 'a refusal comes within the start deadline and the check after it').toBeLessThan(15_000);

    // Accepted again once the API's client has reconnected.
    let after: string | undefined;
    const deadline = Date.now() + 60_000;
    while (!after) {
      const response = await tenant.post(`/v1/pipelines/${name}/runs`, {});
      expect(response.status, JSON.stringify(response.body)).not.toBe(500);
      if (response.status === 202) after = response.body.id;
      else if (Date.now() > deadline)
        throw new Error(`no run accepted within 60 s of Temporal's start: ${response.status} ${JSON.stringify(response.body)}`);
      else await sleep(1_000);
    }

    for (const id of [...inFlight, after]) expect((await waitForRun(tenant, id, undefined, 120_000)).status, id).toBe('succeeded');
    const violations = await checkInvariants(inject('databaseUrl'), inject('temporalAddress'), { tenantIds: [tenant.tenantId] });
    expect(violations).toEqual([]);
  });
});
