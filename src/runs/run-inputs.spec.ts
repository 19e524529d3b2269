import { describe, expect, it } from 'vitest';
import type { PipelineDefinition } from '../../workers/contracts/index.js';
import { checkRunInputs } from './run-inputs.js';

const definition = {
  apiVersion: 'baton/v1', kind: 'Pipeline', name: 'p', steps: {},
  inputs: { day: { type: 'string', format: 'date' }, limit: { type: 'integer', default: 10 } },
  required: ['day'],
} as PipelineDefinition;

describe(checkRunInputs.name, () => {
  it('fills defaults and accepts valid inputs without changing the caller object', () => {
    const given = { day: '2026-11-27' };
    expect(checkRunInputs('v1', definition, given)).toEqual({ inputs: { day: '2026-11-27', limit: 10 }, problems: [] });
    expect(given).toEqual({ day: '2026-11-27' });
  });

  it('names every problem under inputs.', () => {
    const { problems } = checkRunInputs('v1', definition, { day: 'someday', limit: 'ten', extra: true });
    expect(problems.map((p) => p.path).sort()).toEqual(['inputs.day', 'inputs.extra', 'inputs.limit']);
    expect(checkRunInputs('v1', definition, {}).problems).toEqual([{ path: 'inputs.day', message: expect.stringContaining('day') }]);
  });
});
