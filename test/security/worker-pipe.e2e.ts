import { describe, expect, inject, it } from 'vitest';
import { newPipeline, newTenant, runToEnd, startRun, stepOf, uniqueName, waitForRun } from '../support/builders.js';
import { attempt, publishIntruder } from '../support/intruder.js';

/**
 * Attack 3 of issue 17: a plugin writes garbage to its pipe to the worker (fd 3). With Node's IPC
 * channel, one bad line threw in the worker and took down every tenant's steps (under `baton up`,
 * the API too). Now the worker reads frames it bounds: the step ends with protocol_error, and the
 * worker, and another tenant's run beside it, go on.
 */
describe('bad bytes from a step fail that step, not the worker', () => {
  it('ends garbage, an oversized and an endless message with a clear error, and keeps serving everyone', async () => {
    const { worker } = inject('stackPids');
    const attacker = await newTenant();
    const plugin = await publishIntruder(attacker);
    const bystander = await newTenant();
    const innocent = newPipeline(uniqueName('innocent'), {
      nap: { uses: 'core/sleep@^1', with: { ms: 3_000 } },
      echo: { uses: 'core/echo@^1', needs: ['nap'], with: { ok: true } },
    });
    await bystander.put(`/v1/pipelines/${innocent.name}`, innocent).expect(201);
    const innocentRun = await startRun(bystander, innocent.name);

    const run = await runToEnd(
      attacker,
      newPipeline(uniqueName('garbage'), {
        garbage: attempt(plugin, 'pipe-garbage', {}),
        oversize: attempt(plugin, 'pipe-oversize', {}),
        endless: attempt(plugin, 'pipe-endless', {}, { timeout: '4s' }),
      }),
      {},
      120_000,
    );

    expect(stepOf(run, 'garbage')).toMatchObject({
      status: 'failed',
      error: {
        code: 'protocol_error',
        message: expect.stringMatching(
          /broke the worker's protocol and was stopped: (unknown frame kind|a message of \d+ bytes is over the limit)/,
        ),
      },
    });
    expect(stepOf(run, 'oversize')).toMatchObject({
      status: 'failed',
      error: { code: 'protocol_error', message: expect.stringMatching(/over the limit of 16777216 bytes of JSON/) },
    });
    // A message that never ends is bounded by the limits and by time: the step's timeout, or 30 s for one message.
    expect(stepOf(run, 'endless')).toMatchObject({
      status: 'timed_out',
      error: { message: expect.stringMatching(/still sending the worker a message \(\d+ bytes so far\)/) },
    });
    expect((await waitForRun(bystander, innocentRun, undefined, 60_000)).status).toBe('succeeded');
    process.kill(worker, 0);
    expect(
      (await runToEnd(bystander, newPipeline(uniqueName('after'), { echo: { uses: 'core/echo@^1', with: { still: 'here' } } }))).status,
    ).toBe('succeeded');

    const metrics = await (await fetch(inject('workerMetricsUrl'))).text();
    expect(Number(/baton_sandbox_kills_total\{reason="protocol"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
  });
});
