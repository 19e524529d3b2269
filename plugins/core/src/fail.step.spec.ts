import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { failStep } from './fail.step.js';

describe('core/fail', () => {
  it('fails retryably by default', async () => {
    expect(await runStepForTest(failStep, { message: 'boom' })).toMatchObject({
      ok: false,
      error: { code: 'step_error', message: 'boom', retryable: true, stepCode: 'requested_failure' },
    });
  });

  it('can fail for good', async () => {
    expect(await runStepForTest(failStep, { message: 'bad', retryable: false })).toMatchObject({ ok: false, error: { retryable: false } });
  });

  it('fails while attempt <= times, then succeeds', async () => {
    const attempts = await Promise.all([1, 2, 3].map((attempt) => runStepForTest(failStep, { message: 'flaky', times: 2 }, { attempt })));

    expect(attempts.map((result) => result.ok)).toEqual([false, false, true]);
    expect(attempts[2]).toMatchObject({ outputs: { attempt: 3 } });
  });
});
