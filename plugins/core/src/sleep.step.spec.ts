import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { sleepStep } from './sleep.step.js';

describe('core/sleep', () => {
  it('waits for the requested time', async () => {
    const started = performance.now();

    expect(await runStepForTest(sleepStep, { ms: 30 })).toMatchObject({ ok: true, outputs: { sleptMs: 30 } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('stops early with an AbortError when cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();

    const result = await runStepForTest(sleepStep, { ms: 60_000 }, { signal: controller.signal });

    expect(result).toMatchObject({ ok: false, error: { code: 'step_error', message: expect.stringMatching(/^AbortError/) } });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it.each([{ ms: -1 }, { ms: 24 * 60 * 60 * 1000 + 1 }, { ms: 1.5 }, {}])('rejects %o', async (input) => {
    expect(await runStepForTest(sleepStep, input)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});
