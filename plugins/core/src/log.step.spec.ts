import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { logStep } from './log.step.js';

describe('core/log', () => {
  it('writes one line at info by default', async () => {
    expect(await runStepForTest(logStep, { message: 'hello' })).toEqual({
      ok: true,
      outputs: {},
      logs: [{ level: 'info', message: 'hello' }],
      metrics: [],
      lineage: [],
      events: [],
      models: [],
      comparisons: [],
      artifacts: {},
    });
  });

  it('uses the requested level and rejects unknown ones', async () => {
    expect((await runStepForTest(logStep, { message: 'disk low', level: 'warn' })).logs).toEqual([{ level: 'warn', message: 'disk low' }]);
    expect(await runStepForTest(logStep, { message: 'x', level: 'fatal' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});
