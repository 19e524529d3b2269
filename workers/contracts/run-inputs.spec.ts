import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PipelineDefinition } from './pipeline.contract.js';
import { checkRunInputs } from './run-inputs.js';

const definition = {
  apiVersion: 'baton/v1',
  kind: 'Pipeline',
  name: 'p',
  steps: {},
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
    expect(checkRunInputs('v1', definition, {}).problems).toEqual([{ path: 'inputs.day', message: 'Required' }]);
  });
});

describe('regular expressions in input schemas', () => {
  const withInputs = (inputs: Record<string, object>) => ({ ...definition, inputs, required: [] }) as PipelineDefinition;

  it('runs patterns on RE2: a catastrophic pattern answers at once', () => {
    const started = performance.now();

    const { problems } = checkRunInputs('re2-pattern', withInputs({ code: { type: 'string', pattern: '^(a+)+$' } }), {
      code: `${'a'.repeat(40)}!`,
    });
    const nested = checkRunInputs(
      're2-pattern-properties',
      withInputs({ tags: { type: 'object', patternProperties: { '^(a+)+$': { type: 'string' } }, additionalProperties: false } }),
      { tags: { aaaa: 'x', [`${'a'.repeat(40)}!`]: 'y' } },
    );

    expect(problems).toEqual([{ path: 'inputs.code', message: 'Must match the pattern ^(a+)+$' }]);
    expect(nested.problems).toEqual([{ path: `inputs.tags.${'a'.repeat(40)}!`, message: 'Not an input of this pipeline' }]);
    expect(checkRunInputs('re2-pattern', withInputs({ code: { type: 'string', pattern: '^(a+)+$' } }), { code: 'aaaa' }).problems).toEqual(
      [],
    );
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('stops checking when the patterns have examined more text than a check may', () => {
    const inputs = withInputs({ lines: { type: 'array', items: { type: 'string', pattern: '(?:(?:a|b){1,20}){1,20}$' } } });
    const { problems } = checkRunInputs('re2-budget', inputs, { lines: Array.from({ length: 50 }, () => 'ab'.repeat(5_000)) });
    expect(problems).toEqual([{ path: 'inputs', message: expect.stringMatching(/examined more text than allowed/) }]);
  });

  it('still checks formats, which use fixed expressions', () => {
    const inputs = withInputs({ when: { type: 'string', format: 'date-time' }, mail: { type: 'string', format: 'email', maxLength: 254 } });

    expect(checkRunInputs('formats', inputs, { when: '2026-11-27T10:00:00Z', mail: 'ops@example.test' }).problems).toEqual([]);
    expect(
      checkRunInputs('formats', inputs, { when: 'soon', mail: 'nope' })
        .problems.map((p) => p.path)
        .sort(),
    ).toEqual(['inputs.mail', 'inputs.when']);
  });
});

describe('compiled schemas', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('are forgotten by ajv once compiled, so only the bounded validator cache keeps anything', () => {
    const removed = vi.spyOn(Ajv2020.prototype, 'removeSchema');
    const inputs = { n: { type: 'integer', minimum: 1 } };

    expect(checkRunInputs('forget-1', { ...definition, inputs, required: [] }, { n: 0 }).problems).toEqual([
      { path: 'inputs.n', message: 'Must be at least 1' },
    ]);

    expect(removed).toHaveBeenCalledTimes(1);
    expect(removed.mock.calls[0][0]).toMatchObject({ type: 'object', properties: inputs });
    // The cached validator still works after ajv let go of its schema.
    expect(checkRunInputs('forget-1', { ...definition, inputs, required: [] }, { n: 2 }).problems).toEqual([]);
    expect(removed).toHaveBeenCalledTimes(1);
  });
});
