import { describe, expect, it } from 'vitest';
import type { PipelineDefinition } from '../../../workers/contracts/pipeline.contract.js';
import { pipelineChecksum } from './pipeline-checksum.js';
import { dailySales, problemsFor, validate, withChanges, type Json } from './pipeline-fixtures.js';

// Each check has its own spec in checks/; these are about the validator as a whole.
describe('validatePipeline', () => {
  it('accepts a diamond graph, pins every step and orders it', () => {
    const result = validate(dailySales(), { expectedName: 'daily-sales' });
    if (!result.valid) throw new Error(JSON.stringify(result.problems, null, 2));
    expect(result.order).toEqual(['extract', 'check', 'per-region', 'publish']);
    expect(result.pins).toEqual({
      extract: { plugin: 'postgres', step: 'query', version: '1.2.0', digest: 'sha256:pg120' },
      check: { plugin: 'quality', step: 'expect', version: '1.0.0', digest: 'sha256:q100' },
      'per-region': { plugin: 'http', step: 'request', version: '1.4.0', digest: 'sha256:http140' },
      publish: { plugin: 'files', step: 'write', version: '1.1.0', digest: 'sha256:f110' },
    });
    expect(result.definition).toEqual(dailySales());
  });

  it('reports problems of every kind at once', () => {
    const raw = withChanges((d) => {
      d.steps.publish.needs = ['check', 'ghost'];
      d.steps.check.uses = 'quality/expect@^9';
      d.steps['per-region'].with = { url: 42 };
      d.steps.extract.with = { connection: '${{ secrets.WAREHOUSE_URL }}', sql: '${{ inputs.missing }}' };
      d.outputs = { report: '${{ steps.publish.outputs.path ++ }}' };
    });
    expect(problemsFor(raw)).toEqual([
      { path: 'steps.publish.needs[1]', message: 'Unknown step `ghost`' },
      { path: 'steps.check.uses', message: 'No version of `quality` satisfies `^9` (available: 1.0.0)' },
      { path: 'steps.per-region.with.url', message: 'Must be a string' },
      { path: 'steps.extract.with.sql', message: 'Unknown input `missing`' },
      { path: 'steps.publish.if', message: expect.stringMatching(/^`per-region` is not upstream of `publish`/) },
      { path: 'outputs.report', message: expect.stringMatching(/^Syntax error/), position: 33 },
    ]);
  });

  it('reports the mistakes of a definition that fails the schema together with those of every other check, in one pass', () => {
    const raw = withChanges((d) => {
      d.surprise = true;
      d.timeout = '2 hours';
      d.inputs.limit = { type: 'integer', default: 'ten' };
      d.steps.check.needs = ['extract', 'extract', 'ghost'];
      d.steps.check.uses = 'quality/expect@^9';
      d.steps['per-region'].with = { url: 42, method: 'PATCH' };
      d.steps.extract.with = { connection: '${{ secrets.WAREHOUSE_URL }}', sql: '${{ $uppercas(inputs.day) }}' };
      d.steps.extract.retry = { maxAttempts: 0, initialInterval: '5m', maxInterval: '1m' };
      d.steps.publish.if = 3;
      d.steps.publish.with = { path: '${{ inputs.missing }}' };
      d.steps.shout = { uses: 'transform/jsonata', with: { expression: '$sum(text' } };
      d.outputs = { report: '${{ steps.publish.outputs.path ++ }}' };
    });
    expect(problemsFor(raw)).toEqual([
      // the schema
      { path: 'timeout', message: 'Must be a positive duration such as 500ms, 5s, 1m, 2h, 1d or 1h30m' },
      { path: 'steps.extract.retry.maxAttempts', message: 'Must be at least 1' },
      { path: 'steps.check.needs[1]', message: '`extract` is listed twice' },
      { path: 'steps.publish.if', message: 'Must be true, false or a ${{ expression }}' },
      { path: 'surprise', message: 'Unknown field' },
      // inputs, retry policies, the graph
      { path: 'inputs.limit.default', message: 'Must be an integer' },
      { path: 'steps.extract.retry', message: expect.stringMatching(/^initialInterval 5m is longer than maxInterval 1m/) },
      { path: 'steps.check.needs[2]', message: 'Unknown step `ghost`' },
      // plugins and their input schemas
      { path: 'steps.check.uses', message: 'No version of `quality` satisfies `^9` (available: 1.0.0)' },
      { path: 'steps.per-region.with.url', message: 'Must be a string' },
      { path: 'steps.per-region.with.method', message: 'Must be one of: GET, POST' },
      { path: 'steps.shout.with.expression', message: expect.stringMatching(/^Syntax error at character 9 of `\$sum\(text`/), position: 9 },
      // expressions
      {
        path: 'steps.extract.with.sql',
        message: expect.stringMatching(/^Unknown function `\$uppercas` \(did you mean `\$uppercase`\?\)/),
        position: 5,
      },
      { path: 'steps.publish.with.path', message: 'Unknown input `missing`' },
      { path: 'outputs.report', message: expect.stringMatching(/^Syntax error/), position: expect.any(Number) },
    ]);
  });

  it('keeps the steps, inputs and handlers that failed the schema as names, so nothing naming them is reported unknown', () => {
    const raw = withChanges((d) => {
      d.inputs.day = 'a date' as unknown as Json;
      d.steps.extract.retry = 'often';
      d.steps['Bad Id'] = { uses: 'http/request', with: { url: 'https://x.example' } };
      d.steps.check.needs = ['extract', 'Bad Id'];
    });
    expect(problemsFor(raw)).toEqual([
      { path: 'inputs.day', message: 'Must be an object' },
      { path: 'steps.extract.retry', message: 'Must be an object' },
      { path: 'steps.Bad Id', message: 'Step ids must match [a-z][a-z0-9_-]{0,62}' },
    ]);
  });

  it('gives each problem the line and column its locator finds for the path', () => {
    const locate = (path: string, position?: number) => (path === 'name' ? { line: 3, column: 7 + (position ?? 0) } : undefined);
    expect(problemsFor(dailySales(), { expectedName: 'weekly', locate })).toEqual([
      { path: 'name', message: expect.stringContaining('is being saved as `weekly`'), line: 3, column: 7 },
    ]);
  });
});

describe('pipelineChecksum', () => {
  const definitionOf = (raw: unknown): PipelineDefinition => {
    const result = validate(raw);
    if (!result.valid) throw new Error(JSON.stringify(result.problems));
    return result.definition;
  };

  it('ignores key order and changes with content', () => {
    const definition = definitionOf(dailySales());
    const reversed = (value: Json): Json => Object.fromEntries(Object.entries(value).reverse());
    const reordered = {
      ...reversed(definition as unknown as Json),
      defaults: reversed(definition.defaults as Json),
    } as unknown as PipelineDefinition;
    expect(Object.keys(reordered)[0]).not.toBe('apiVersion');
    const pins = { extract: { plugin: 'postgres', step: 'query', version: '1.4.0', digest: 'sha256:aa' } };
    expect(pipelineChecksum(reordered, pins)).toBe(pipelineChecksum(definition, pins));
    expect(pipelineChecksum(definition, pins)).toMatch(/^[0-9a-f]{64}$/);
    expect(pipelineChecksum({ ...definition, description: 'changed' }, pins)).not.toBe(pipelineChecksum(definition, pins));
  });

  it('changes when a step is pinned to another plugin build, so a re-apply re-pins', () => {
    const definition = definitionOf(dailySales());
    const pinned = (digest: string) => ({ extract: { plugin: 'postgres', step: 'query', version: '1.4.0', digest } });
    expect(pipelineChecksum(definition, pinned('sha256:aa'))).not.toBe(pipelineChecksum(definition, pinned('sha256:bb')));
  });
});
