import { describe, expect, it } from 'vitest';
import { describePlugin, runStepForTest } from '../../sdk/src/index.js';
import pipeline from './index.js';
import { runStep } from './run.step.js';

describe('pipeline/run', () => {
  it('describes the inputs the engine reads', () => {
    const [step] = describePlugin(pipeline).steps;

    expect(step).toMatchObject({
      id: 'run',
      inputSchema: { required: ['pipeline'], properties: { pipeline: { type: 'string' }, version: { type: 'integer' } } },
    });
  });

  it('refuses to run in a sandbox: the engine runs it as a child run', async () => {
    expect(await runStepForTest(runStep, { pipeline: 'nightly' })).toMatchObject({
      ok: false,
      error: { retryable: false, stepCode: 'engine_step' },
    });
  });
});
