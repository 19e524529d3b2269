import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PipelineDefinitionSchema, StepDefinitionSchema } from './pipeline-definition.schema.js';

const minimal = { apiVersion: 'baton/v1', kind: 'Pipeline', name: 'p', steps: { a: { uses: 'http/request' } } };

describe('PipelineDefinitionSchema', () => {
  it('accepts a minimal definition', () => {
    expect(PipelineDefinitionSchema.parse(minimal)).toEqual(minimal);
  });

  it('accepts compound durations and rejects zero or malformed ones', () => {
    expect(PipelineDefinitionSchema.safeParse({ ...minimal, timeout: '1h30m' }).success).toBe(true);
    expect(PipelineDefinitionSchema.safeParse({ ...minimal, timeout: '500ms' }).success).toBe(true);
    expect(PipelineDefinitionSchema.safeParse({ ...minimal, timeout: '0s' }).success).toBe(false);
    expect(PipelineDefinitionSchema.safeParse({ ...minimal, timeout: 30 }).success).toBe(false);
  });

  it('takes sla as a duration and concurrency as a positive whole number', () => {
    const issues = (raw: object) =>
      PipelineDefinitionSchema.safeParse({ ...minimal, ...raw }).error?.issues.map((i) => ({ path: i.path, message: i.message }));
    expect(issues({ sla: '30m' })).toBeUndefined();
    expect(issues({ sla: 'soon' })).toEqual([{ path: ['sla'], message: expect.stringContaining('positive duration') }]);
    expect(issues({ concurrency: 1 })).toBeUndefined();
    expect(issues({ concurrency: 0 })?.[0]?.path).toEqual(['concurrency']);
  });

  it('checks step ids, uses and input names', () => {
    const parse = (raw: object) => PipelineDefinitionSchema.safeParse({ ...minimal, ...raw }).success;
    expect(parse({ steps: { 'per-region_2': { uses: 'http/request@^1.2' } } })).toBe(true);
    expect(parse({ steps: { '2nd': { uses: 'http/request' } } })).toBe(false);
    expect(parse({ steps: { a: { uses: 'http' } } })).toBe(false);
    expect(parse({ steps: { a: { uses: 'http/request@' } } })).toBe(false);
    expect(parse({ inputs: { day_1: { type: 'string' } } })).toBe(true);
    expect(parse({ inputs: { 'the-day': { type: 'string' } } })).toBe(false);
  });

  it('bounds retry policies', () => {
    const retry = (policy: object) => StepDefinitionSchema.safeParse({ uses: 'a/b', retry: policy }).success;
    expect(retry({ maxAttempts: 100, initialInterval: '1s', backoffCoefficient: 1, maxInterval: '1m' })).toBe(true);
    expect(retry({ maxAttempts: 101 })).toBe(false);
    expect(retry({ maxAttempts: 1.5 })).toBe(false);
    expect(retry({ backoffCoefficient: 0.9 })).toBe(false);
    expect(retry({ jitter: true })).toBe(false);
  });

  it('has a JSON Schema form for the API documentation', () => {
    const schema = z.toJSONSchema(PipelineDefinitionSchema, { io: 'input', unrepresentable: 'any' }) as {
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.required).toEqual(['apiVersion', 'kind', 'name', 'steps']);
    expect(schema.additionalProperties).toBe(false);
  });
});
