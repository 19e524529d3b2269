import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { PipelineDefinitionSchema } from '../../src/pipelines/definition/pipeline-definition.schema.js';
import { pipelineJsonSchema } from '../../src/pipelines/definition/pipeline-json-schema.js';

const FILE = resolve(import.meta.dirname, '../../docs/pipeline.schema.json');

describe('docs/pipeline.schema.json', () => {
  it('is what the generator makes of the pipeline schema now (npm run docs:schema)', () => {
    expect(JSON.parse(readFileSync(FILE, 'utf8'))).toEqual(pipelineJsonSchema());
  });

  it('is a draft 2020-12 schema an editor can use, agreeing with the zod schema on what it can express', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(FILE, 'utf8')) as object);
    const good = YAML.parse(`
apiVersion: baton/v1
kind: Pipeline
name: nightly-report
inputs:
  day: { type: string }
steps:
  fetch:
    uses: http/request@^1
    with: { url: 'https://example.org/\${{ inputs.day }}' }
    retry: { maxAttempts: 3, initialInterval: 5s }
  approve:
    needs: [fetch]
    approval: { roles: [operator], timeout: 1h }
onFailure:
  - uses: core/log@^1
`) as unknown;
    const typo = { apiVersion: 'baton/v1', kind: 'Pipeline', name: 'x', steps: { a: { uses: 'core/log', retyr: {} } } };
    const badName = { apiVersion: 'baton/v1', kind: 'Pipeline', name: 'Not_Valid', steps: { a: { uses: 'core/log' } } };
    for (const [definition, valid] of [
      [good, true],
      [typo, false],
      [badName, false],
    ] as const) {
      expect(validate(definition)).toBe(valid);
      expect(PipelineDefinitionSchema.safeParse(definition).success).toBe(valid);
    }
  });
});
