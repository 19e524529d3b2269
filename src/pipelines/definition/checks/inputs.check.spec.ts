import { describe, expect, it } from 'vitest';
import { problemsFor, validate, withChanges } from '../pipeline-fixtures.js';

describe('inputs check', () => {
  it('reports invalid input schemas and unknown required inputs', () => {
    const raw = withChanges((d) => {
      d.inputs.limit = { type: 'integer', minimun: 1 };
      d.inputs.mode = { type: 'strin' };
      d.required = ['day', 'region'];
    });
    expect(problemsFor(raw)).toEqual([
      { path: 'inputs.limit', message: expect.stringMatching(/^Not a valid JSON Schema: .*minimun/) },
      { path: 'inputs.mode', message: expect.stringMatching(/^Not a valid JSON Schema/) },
      { path: 'required[1]', message: '`region` is not declared in inputs' },
    ]);
  });

  it('accepts pattern and patternProperties that RE2 runs, at any depth', () => {
    const raw = withChanges((d) => {
      d.inputs.code = { type: 'string', pattern: '^[A-Z]{3}$' };
      d.inputs.address = {
        type: 'object',
        properties: {
          zip: { type: 'string', pattern: '^\\d{5}$' },
          lines: { type: 'array', items: { anyOf: [{ type: 'string', pattern: '^(a+)+$' }, { type: 'null' }] } },
        },
        patternProperties: { '^x-': { type: 'string' } },
      };
    });
    expect(validate(raw).valid).toBe(true);
  });

  it('refuses the patterns RE2 cannot run (backreferences, lookaround), naming each with its path', () => {
    const raw = withChanges((d) => {
      d.inputs.code = { type: 'string', pattern: '^(a)\\1$' };
      d.inputs.address = {
        type: 'object',
        properties: { lines: { type: 'array', items: { anyOf: [{ type: 'string', pattern: '(?=x)' }, { type: 'null' }] } } },
        patternProperties: { '^(?<!y)x-': { type: 'string' } },
      };
      d.inputs.labels = { type: 'object', propertyNames: { pattern: '^[a-z]+$' }, $defs: { tag: { pattern: '(?<n>a)\\k<n>' } } };
    });

    expect(problemsFor(raw)).toEqual([
      { path: 'inputs.code.pattern', message: expect.stringMatching(/^\/\^\(a\)\\1\$\/ uses a backreference/) },
      { path: 'inputs.address.properties.lines.items.anyOf[0].pattern', message: expect.stringMatching(/uses lookaround/) },
      { path: 'inputs.address.patternProperties.^(?<!y)x-', message: expect.stringMatching(/uses lookaround/) },
      { path: 'inputs.labels.$defs.tag.pattern', message: expect.stringMatching(/uses a named backreference/) },
    ]);
  });

  it('does not mistake a property, enum value or default named pattern for the keyword', () => {
    const raw = withChanges((d) => {
      d.inputs.filter = {
        type: 'object',
        properties: { pattern: { type: 'string', enum: ['glob', 'exact'] }, patternProperties: { type: 'boolean' } },
        default: { pattern: 'glob' },
        examples: [{ pattern: 'exact' }],
      };
      d.inputs.kind = { enum: [{ pattern: 'x' }] };
    });
    expect(validate(raw).valid).toBe(true);
  });

  it('reports a default that does not fit its input schema, with what the schema wants', () => {
    const raw = withChanges((d) => {
      d.inputs.limit = { type: 'integer', minimum: 1, default: 'ten' };
      d.inputs.mode = { enum: ['fast', 'safe'], default: 'quick' };
      d.inputs.size = { type: 'integer', minimum: 1, default: 0 };
      d.inputs.tags = { type: 'array', items: { type: 'string' }, default: ['a', 2] };
      d.inputs.ok = { type: 'string', default: 'fine' };
    });
    expect(problemsFor(raw)).toEqual([
      { path: 'inputs.limit.default', message: 'Must be an integer' },
      { path: 'inputs.mode.default', message: 'Must be one of: fast, safe' },
      { path: 'inputs.size.default', message: 'Must be at least 1' },
      { path: 'inputs.tags.default[1]', message: 'Must be a string' },
    ]);
  });
});
