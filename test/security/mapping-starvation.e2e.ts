/**
 * A trigger mapping's budget is CPU time, not wall time. Mapping threads run at a low priority, so
 * on a saturated machine a cheap mapping waits for the CPU: counted in wall time it would be refused
 * as the expression's fault (422). Here an API of the test's own shares one core, pinned, with busy
 * processes of normal priority (the rest of the machine, and the other files' stack, keep the
 * other cores); a cheap mapping must still map. (A greedy one is stopped at 500 ms of CPU: see
 * expression-budget.e2e.ts.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPipeline, savePipeline, uniqueName } from '../support/builders.js';
import { ownInstallation } from '../support/own-installation.js';
import { sendDelivery, type WebhookTrigger } from '../support/webhooks.js';

/** ~80 ms of CPU (within the counted budget): on a core shared at nice 10 with three busy processes, seconds. */
const CHEAP = '{ "matched": $count([1..12000][$ % 7 = 0]) > 0, "code": "cheap" }';

const pin = (pid: number, cpus: string) => {
  const pinned = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' });
  expect(pinned.status, pinned.stderr).toBe(0);
};

describe('a trigger mapping on a saturated core', () => {
  const stack = ownInstallation('starved', { worker: false });
  let cheap: WebhookTrigger;
  let busy: ChildProcess[] = [];

  beforeAll(async () => {
    const target = uniqueName('starved');
    await savePipeline(
      stack.tenant,
      newPipeline(
        target,
        { noop: { uses: 'core/echo@^1', if: false, with: { v: 1 } } },
        { inputs: { matched: { type: 'boolean' }, code: { type: 'string' } } },
      ),
    );
    cheap = (await stack.tenant.post('/v1/triggers', { type: 'webhook', pipeline: target, inputs: CHEAP }).expect(201)).body;
    // Warm: the mapping thread has compiled it before the core is taken.
    expect((await sendDelivery(cheap, {}, stack.baseUrl)).status).toBe(202);
  });
  afterAll(() => {
    for (const child of busy) child.kill('SIGKILL');
  });

  it('maps a cheap delivery however long its thread waits for the core (a wall-time budget would refuse it)', async () => {
    pin(stack.processes[0].child.pid!, '0');
    busy = [0, 1, 2].map(() => spawn('taskset', ['-c', '0', process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' }));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const started = performance.now();
    const delivered = await sendDelivery(cheap, {}, stack.baseUrl);
    const ms = performance.now() - started;
    expect(delivered.status, JSON.stringify(delivered.body)).toBe(202);
    console.log(`a cheap mapping on a saturated core answered in ${Math.round(ms)} ms`);
    // Else the core was not saturated, and this test would not tell CPU time from wall time.
    expect(ms).toBeGreaterThan(500);
  });
});
