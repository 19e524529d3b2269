import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { echoStep } from './echo.step.js';

describe('core/echo', () => {
  it('outputs exactly its input', async () => {
    const input = { name: 'x', nested: { list: [1, null, 'a'] }, flag: false };

    expect(await runStepForTest(echoStep, input)).toMatchObject({ ok: true, outputs: input });
  });

  it('accepts an empty object and rejects anything that is not an object', async () => {
    expect(await runStepForTest(echoStep, {})).toMatchObject({ ok: true, outputs: {} });
    expect(await runStepForTest(echoStep, [1])).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});
