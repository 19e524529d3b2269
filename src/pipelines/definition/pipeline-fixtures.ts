/**
 * A tenant's plugins and the PIPELINES.md example, for the specs of the validator and its checks.
 */
import { inMemoryPluginCatalog } from './in-memory-plugin-catalog.js';
import { validatePipeline, type PipelineValidation, type ValidateOptions } from './pipeline-validator.js';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
export const object = (properties: Record<string, object>, required: string[] = []) => ({
  $schema: DRAFT,
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

export const SECRET = { type: 'string', writeOnly: true, 'x-baton-secret': true };
export const queryStep = {
  inputSchema: object({ connection: SECRET, sql: { type: 'string' }, params: { type: 'array' } }, ['connection', 'sql']),
};
export const catalog = inMemoryPluginCatalog({
  postgres: [
    { version: '1.0.0', digest: 'sha256:pg100', steps: { query: queryStep } },
    { version: '1.2.0', digest: 'sha256:pg120', steps: { query: queryStep } },
    { version: '2.0.0', digest: 'sha256:pg200', steps: { query: queryStep, exec: queryStep } },
    { version: '3.0.0-beta.1', digest: 'sha256:pg3b', steps: { query: queryStep } },
  ],
  http: [
    {
      version: '1.4.0',
      digest: 'sha256:http140',
      steps: {
        request: {
          inputSchema: object(
            {
              url: { type: 'string', format: 'uri' },
              method: { enum: ['GET', 'POST'] },
              retries: { type: 'integer', minimum: 0 },
              headers: { type: 'object', additionalProperties: { type: 'string' } },
              secretHeaders: { type: 'object', additionalProperties: SECRET },
            },
            ['url'],
          ),
        },
      },
    },
  ],
  quality: [
    {
      version: '1.0.0',
      digest: 'sha256:q100',
      steps: { expect: { inputSchema: object({ dataset: {}, expect: { type: 'array' } }, ['dataset']) } },
    },
  ],
  transform: [
    {
      version: '1.2.0',
      digest: 'sha256:t120',
      steps: {
        jsonata: { inputSchema: object({ expression: { type: 'string', 'x-baton-expression': 'jsonata' }, data: {} }, ['expression']) },
      },
    },
  ],
  files: [
    {
      version: '1.1.0',
      digest: 'sha256:f110',
      steps: { write: { inputSchema: object({ path: { type: 'string' }, data: {} }, ['path']) } },
    },
  ],
});

export type Json = Record<string, unknown>;
/** A definition as a user might write it, loosely typed so that specs can break it. */
export interface DraftDefinition extends Json {
  inputs: Record<string, Json>;
  steps: Record<string, Json>;
  outputs: Json;
}

/** The PIPELINES.md example, minus the parts not supported yet. */
export const dailySales = (): DraftDefinition => ({
  apiVersion: 'baton/v1',
  kind: 'Pipeline',
  name: 'daily-sales',
  description: "Load yesterday's sales, check them, publish a report.",
  inputs: { day: { type: 'string', format: 'date' } },
  required: ['day'],
  timeout: '2h',
  defaults: { retry: { maxAttempts: 3, initialInterval: '5s', backoffCoefficient: 2, maxInterval: '1m' }, timeout: '10m' },
  steps: {
    extract: {
      uses: 'postgres/query@^1',
      with: { connection: '${{ secrets.WAREHOUSE_URL }}', sql: 'select * from sales where day = $1', params: ['${{ inputs.day }}'] },
    },
    check: {
      uses: 'quality/expect@^1',
      needs: ['extract'],
      with: { dataset: '${{ steps.extract.outputs.dataset }}', expect: [{ column: 'amount', notNull: true, min: 0 }] },
    },
    'per-region': {
      needs: ['extract'],
      uses: 'http/request',
      with: { url: 'https://reports.example/${{ steps.extract.outputs.regions[0] }}', method: 'POST' },
    },
    publish: {
      needs: ['check', 'per-region'],
      if: '${{ steps.check.outputs.passed and steps.per-region.status = "succeeded" }}',
      uses: 'files/write@1.1.0',
      with: { path: 'reports/${{ inputs.day }}.json', data: '${{ steps.extract.outputs.summary }}' },
      retry: { maxAttempts: 5 },
      timeout: '5m',
    },
  },
  outputs: { report: '${{ steps.publish.outputs.path }}', regions: '${{ steps.per-region.outputs }}' },
});

export const withChanges = (change: (d: DraftDefinition) => void) => {
  const definition = dailySales();
  change(definition);
  return definition;
};

export const problemsOf = (result: PipelineValidation) => {
  if (result.valid) throw new Error('expected the definition to be invalid');
  return result.problems;
};
// Most cases describe an installation with a secrets store; one case checks the one without.
export const validate = (raw: unknown, opts: ValidateOptions = {}) => validatePipeline(raw, catalog, { secretsAvailable: true, ...opts });
export const problemsFor = (raw: unknown, opts?: ValidateOptions) => problemsOf(validate(raw, opts));
