import { describe, expect, it } from 'vitest';
import { STEP_OUTPUT_MAX_BYTES as SDK_OUTPUT_MAX_BYTES } from '../../plugins/sdk/src/execute-step.js';
import type { PinnedStep } from './pipeline.contract.js';
import { runInWorkflow, STEP_OUTPUT_MAX_BYTES, stepExecution } from './step-execution.contract.js';

const pin = (plugin: string, step: string): PinnedStep => ({ plugin, step, version: '1.0.0', digest: 'sha256:x' });
const echo = pin('core', 'echo');

describe(stepExecution.name, () => {
  it('carries out core/echo in the workflow, core/log locally and anything else as an activity', () => {
    expect(stepExecution({}, echo, {}, false)).toBe('workflow');
    expect(stepExecution({}, pin('core', 'log'), {}, false)).toBe('local');
    expect(stepExecution({}, pin('http', 'request'), {}, false)).toBe('activity');
    expect(stepExecution({}, pin('pipeline', 'run'), {}, false)).toBe('activity');
  });

  it('follows the step: activity opts out, local opts in; a pool of its own or secrets keep their route', () => {
    expect(stepExecution({ execution: 'activity' }, echo, {}, false)).toBe('activity');
    expect(stepExecution({ execution: 'local' }, echo, {}, false)).toBe('local');
    expect(stepExecution({ execution: 'local' }, pin('http', 'request'), {}, false)).toBe('local');
    expect(stepExecution({ execution: 'local', runsOn: 'gpu' }, echo, {}, false)).toBe('activity');
    expect(stepExecution({}, echo, { runsOn: 'gpu' }, false)).toBe('activity');
    expect(stepExecution({ runsOn: 'default' }, echo, { runsOn: 'gpu' }, false)).toBe('workflow');
    // The workflow never holds a secret's value: the worker puts it in, in a sandbox.
    expect(stepExecution({}, echo, {}, true)).toBe('activity');
    expect(stepExecution({ execution: 'local' }, pin('pipeline', 'run'), {}, false)).toBe('activity');
  });
});

describe(runInWorkflow.name, () => {
  it('gives core/echo its input, refusing what a sandboxed step could not output', () => {
    expect(runInWorkflow(echo, { a: [1, { b: 'c' }] })).toEqual({ ok: true, outputs: { a: [1, { b: 'c' }] } });
    expect(runInWorkflow(echo, { ['k\u0000']: 1 })).toMatchObject({ ok: false, code: 'invalid_output' });
    expect(runInWorkflow(echo, { big: 'x'.repeat(STEP_OUTPUT_MAX_BYTES) })).toMatchObject({ ok: false, code: 'output_too_large' });
  });

  it('caps outputs where the SDK caps a plugin step', () => {
    expect(STEP_OUTPUT_MAX_BYTES).toBe(SDK_OUTPUT_MAX_BYTES);
  });
});
