import { describe, expect, it } from 'vitest';
import type { PipelineDefinition } from '../../../workers/contracts/pipeline.contract.js';
import { inMemoryPluginCatalog } from './in-memory-plugin-catalog.js';
import { pipelineChecksum } from './pipeline-checksum.js';
import { validatePipeline, type PipelineValidation, type ValidateOptions } from './pipeline-validator.js';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const object = (properties: Record<string, object>, required: string[] = []) => ({
  $schema: DRAFT,
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

const SECRET = { type: 'string', writeOnly: true, 'x-baton-secret': true };
const queryStep = {
  inputSchema: object({ connection: SECRET, sql: { type: 'string' }, params: { type: 'array' } }, ['connection', 'sql']),
};
const catalog = inMemoryPluginCatalog({
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
  files: [
    {
      version: '1.1.0',
      digest: 'sha256:f110',
      steps: { write: { inputSchema: object({ path: { type: 'string' }, data: {} }, ['path']) } },
    },
  ],
});

type Json = Record<string, unknown>;
/** A definition as a user might write it, loosely typed so that specs can break it. */
interface DraftDefinition extends Json {
  inputs: Record<string, Json>;
  steps: Record<string, Json>;
  outputs: Json;
}

/** The PIPELINES.md example, minus the parts not supported yet. */
const dailySales = (): DraftDefinition => ({
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

const withChanges = (change: (d: DraftDefinition) => void) => {
  const definition = dailySales();
  change(definition);
  return definition;
};

const problemsOf = (result: PipelineValidation) => {
  if (result.valid) throw new Error('expected the definition to be invalid');
  return result.problems;
};
// Most cases describe an installation with a secrets store; one case checks the one without.
const validate = (raw: unknown, opts: ValidateOptions = {}) => validatePipeline(raw, catalog, { secretsAvailable: true, ...opts });
const problemsFor = (raw: unknown, opts?: ValidateOptions) => problemsOf(validate(raw, opts));

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

  describe('schema', () => {
    it('reports every schema problem with its path', () => {
      const raw = withChanges((d) => {
        d.apiVersion = 'baton/v2';
        d.name = 'Daily Sales';
        d.timeout = '2 hours';
        d.surprise = true;
        d.steps.extract.retry = { maxAttempts: 0, backoffCoefficient: 0.5 };
        d.steps.check.needs = ['extract', 'extract'];
        d.steps.check.if = 3;
        d.steps.publish.uses = 'Files/Write';
        d.steps['Bad Id'] = { uses: 'http/request' };
        d.steps.approve = { needs: ['check'] };
      });
      expect(problemsFor(raw)).toEqual(
        expect.arrayContaining([
          { path: 'apiVersion', message: 'Must be baton/v1' },
          { path: 'name', message: 'Must match [a-z0-9-]{1,63}' },
          { path: 'timeout', message: 'Must be a positive duration such as 500ms, 5s, 1m, 2h, 1d or 1h30m' },
          { path: 'surprise', message: 'Unknown field' },
          { path: 'steps.extract.retry.maxAttempts', message: expect.any(String) },
          { path: 'steps.extract.retry.backoffCoefficient', message: expect.any(String) },
          { path: 'steps.check.needs[1]', message: '`extract` is listed twice' },
          { path: 'steps.check.if', message: 'Must be true, false or a ${{ expression }}' },
          { path: 'steps.publish.uses', message: 'Must be plugin/step or plugin/step@version, e.g. http/request@^1' },
          { path: 'steps.Bad Id', message: 'Step ids must match [a-z][a-z0-9_-]{0,62}' },
          { path: 'steps.approve.uses', message: 'A step needs `uses` (a plugin step) or `approval`' },
        ]),
      );
    });

    it('accepts forEach over an upstream expression or a list, with item in with', () => {
      const raw = withChanges((d) => {
        d.steps['per-region'].forEach = '${{ steps.extract.outputs.regions }}';
        d.steps['per-region'].maxParallel = 4;
        d.steps['per-region'].with = { url: 'https://reports.example/${{ item }}', method: 'POST' };
        d.steps.check.forEach = ['a', '${{ inputs.day }}'];
        d.steps.check.with = { dataset: '${{ item }}' };
      });
      expect(validate(raw)).toMatchObject({ valid: true });
    });

    it('rejects maxParallel out of range or without forEach, and forEach on an approval', () => {
      const raw = withChanges((d) => {
        d.steps.approve = { needs: ['check'], approval: { roles: ['admin'] }, forEach: [1, 2] };
        d.steps.extract.maxParallel = 0;
        d.steps.publish.forEach = [1];
        d.steps.publish.maxParallel = 201;
      });
      expect(problemsFor(raw)).toEqual([
        { path: 'steps.extract.maxParallel', message: 'Too small: expected number to be >=1' },
        { path: 'steps.extract.maxParallel', message: '`maxParallel` limits a `forEach`; this step has none' },
        { path: 'steps.publish.maxParallel', message: 'Too big: expected number to be <=200' },
        { path: 'steps.approve.forEach', message: 'An approval step cannot fan out; decide once, or fan out the steps after it' },
      ]);
    });

    it('rejects forEach that is not one expression or reads a step that has not finished', () => {
      const raw = withChanges((d) => {
        d.steps['per-region'].forEach = 'regions: ${{ steps.extract.outputs.regions }}';
        d.steps.check.forEach = '${{ steps.publish.outputs.list }}';
        d.steps.extract.forEach = ['${{ item }}'];
      });
      expect(problemsFor(raw)).toEqual([
        { path: 'steps.extract.forEach[0]', message: '`item` exists only in the `with` of a step with `forEach`' },
        { path: 'steps.check.forEach', message: expect.stringContaining('`publish` is not upstream of `check`') },
        { path: 'steps.per-region.forEach', message: 'Must be a list or a single ${{ expression }} giving one' },
      ]);
    });

    it('accepts approval steps with defaults, pins nothing for them, and refuses plugin fields on them', () => {
      const result = validate(withChanges((d) => (d.steps.approve = { needs: ['check'], approval: { roles: ['operator'] } })));
      if (!result.valid) throw new Error(JSON.stringify(result.problems));
      expect(result.definition.steps.approve.approval).toEqual({ roles: ['operator'], timeout: '24h', onTimeout: 'reject' });
      expect(result.pins.approve).toBeUndefined();
      const mixed = withChanges((d) => (d.steps.approve = { needs: ['check'], approval: {}, retry: { maxAttempts: 2 } }));
      expect(problemsFor(mixed)).toEqual([
        { path: 'steps.approve.retry', message: expect.stringContaining('An approval step has no `retry`') },
      ]);
    });

    it('rejects definitions that are not objects', () => {
      expect(problemsFor('apiVersion: baton/v1')).toEqual([{ path: '(definition)', message: expect.stringMatching(/expected object/) }]);
    });
  });

  describe('size limits', () => {
    it('rejects definitions over 256 KB', () => {
      const raw = withChanges((d) => {
        d.description = 'x'.repeat(256 * 1024);
      });
      expect(problemsFor(raw)).toEqual([{ path: '(definition)', message: expect.stringMatching(/the limit is 262144/) }]);
    });

    it('rejects more than 500 steps and empty pipelines', () => {
      const steps = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`s${i}`, { uses: 'http/request' }]));
      expect(problemsFor({ ...dailySales(), steps, outputs: {} })).toEqual([
        { path: 'steps', message: 'A pipeline may have at most 500 steps; this one has 501' },
      ]);
      expect(problemsFor({ ...dailySales(), steps: {}, outputs: {} })).toEqual([
        { path: 'steps', message: 'A pipeline needs at least one step' },
      ]);
    });
  });

  describe('name', () => {
    it('reports a name that differs from the one in the URL', () => {
      expect(problemsFor(dailySales(), { expectedName: 'weekly-sales' })).toEqual([
        { path: 'name', message: 'The definition is named `daily-sales` but is being saved as `weekly-sales`' },
      ]);
    });
  });

  describe('inputs', () => {
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
  });

  describe('regular expressions in input schemas', () => {
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

    it("checks a step's literal inputs against its plugin's pattern with RE2, within a budget", () => {
      const catalog = inMemoryPluginCatalog({
        evil: [
          {
            version: '1.0.0',
            digest: 'sha256:evil',
            steps: { check: { inputSchema: { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } } } },
          },
        ],
      });
      const started = performance.now();
      const result = validatePipeline(
        { apiVersion: 'baton/v1', kind: 'Pipeline', name: 'p', steps: { c: { uses: 'evil/check@^1', with: { s: `${'a'.repeat(34)}!` } } } },
        catalog,
      );
      expect(result).toEqual({ valid: false, problems: [{ path: 'steps.c.with.s', message: 'Must match pattern "^(a+)+$"' }] });
      expect(performance.now() - started).toBeLessThan(1_000);

      const long = validatePipeline(
        { apiVersion: 'baton/v1', kind: 'Pipeline', name: 'p', steps: { c: { uses: 'evil/check@^1', with: { s: 'a'.repeat(200_000) } } } },
        inMemoryPluginCatalog({
          evil: [
            {
              version: '1.0.0',
              digest: 'sha256:evil2',
              steps: {
                check: { inputSchema: { type: 'object', properties: { s: { type: 'string', pattern: '(?:(?:a|b){1,20}){1,20}$' } } } },
              },
            },
          ],
        }),
      );
      expect(long).toMatchObject({
        valid: false,
        budgetExceeded: true,
        problems: [{ path: 'steps.c.with', message: expect.stringMatching(/examined more text than allowed/) }],
      });
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
  });

  describe('retry policies', () => {
    const retryProblem = expect.stringMatching(/Temporal cannot schedule a step with this retry policy/);

    it('reports an initialInterval over maxInterval in defaults, counting the built-in default', () => {
      expect(problemsFor(withChanges((d) => (d.defaults = { retry: { initialInterval: '5m', maxInterval: '1m' } })))).toEqual([
        {
          path: 'defaults.retry',
          message:
            'initialInterval 5m is longer than maxInterval 1m: Temporal cannot schedule a step with this retry policy. Raise maxInterval or lower initialInterval',
        },
      ]);
      expect(problemsFor(withChanges((d) => (d.defaults = { retry: { initialInterval: '2m' } })))).toEqual([
        {
          path: 'defaults.retry',
          message: expect.stringMatching(/^initialInterval 2m is longer than maxInterval 1m \(from the built-in default\)/),
        },
      ]);
    });

    it('reports a step whose policy, merged over defaults and the built-in default, is impossible', () => {
      const raw = withChanges((d) => {
        d.defaults = { retry: { maxInterval: '30s' } };
        d.steps.extract.retry = { initialInterval: '45s' };
        d.steps.check.retry = { initialInterval: '2m', maxInterval: '1m' };
        d.steps.publish.retry = { maxInterval: '500ms' };
      });
      expect(problemsFor(raw)).toEqual([
        {
          path: 'steps.extract.retry',
          message: expect.stringMatching(/^initialInterval 45s is longer than maxInterval 30s \(from defaults\.retry\)/),
        },
        { path: 'steps.check.retry', message: retryProblem },
        {
          path: 'steps.publish.retry',
          message: expect.stringMatching(/^initialInterval 1s \(from the built-in default\) is longer than maxInterval 500ms:/),
        },
      ]);
    });

    it('accepts a step that repairs a bad default, equal intervals and policies without intervals', () => {
      const fixed = withChanges((d) => {
        d.defaults = { retry: { maxInterval: '10s' } };
        d.steps.extract.retry = { initialInterval: '10s' };
        d.steps.check.retry = { initialInterval: '1m', maxInterval: '5m' };
        d.steps.publish.retry = { maxAttempts: 5, backoffCoefficient: 1 };
      });
      expect(validate(fixed).valid).toBe(true);

      const repaired = withChanges((d) => {
        d.defaults = { retry: { initialInterval: '2m' } };
        d.steps.extract.retry = { maxInterval: '5m' };
      });
      expect(problemsFor(repaired)).toEqual([{ path: 'defaults.retry', message: retryProblem }]);
    });
  });

  describe('needs', () => {
    it('reports unknown and self needs', () => {
      const raw = withChanges((d) => {
        d.steps.publish.needs = ['check', 'publish', 'approve'];
      });
      expect(problemsFor(raw)).toEqual(
        expect.arrayContaining([
          { path: 'steps.publish.needs[1]', message: 'A step cannot need itself' },
          { path: 'steps.publish.needs[2]', message: 'Unknown step `approve`' },
        ]),
      );
    });

    it('reports a cycle with the steps along it', () => {
      const raw = withChanges((d) => {
        d.steps.extract.needs = ['publish'];
      });
      expect(problemsFor(raw)).toContainEqual({
        path: 'steps.extract.needs',
        message: 'Steps form a cycle: extract → publish → check → extract',
      });
    });
  });

  describe('uses', () => {
    it('reports missing plugins, unsatisfiable ranges, bad ranges and missing steps', () => {
      const raw = withChanges((d) => {
        d.steps.extract.uses = 'postgres/query@^4';
        d.steps.check.uses = 'mystery/expect@^1';
        d.steps['per-region'].uses = 'http/request@one';
        d.steps.publish.uses = 'files/delete@latest';
      });
      expect(problemsFor(raw)).toEqual(
        expect.arrayContaining([
          { path: 'steps.extract.uses', message: 'No version of `postgres` satisfies `^4` (available: 3.0.0-beta.1, 2.0.0, 1.2.0, 1.0.0)' },
          { path: 'steps.check.uses', message: 'Plugin `mystery` is not available' },
          { path: 'steps.per-region.uses', message: '`one` is not a version, a semver range or `latest`' },
          { path: 'steps.publish.uses', message: '`files@1.1.0` has no step `delete` (it has: write)' },
        ]),
      );
    });

    it('pins the highest release for latest or no range, and exact versions as written', () => {
      const pinsFor = (uses: string) => {
        const result = validate(withChanges((d) => (d.steps.extract.uses = uses)));
        if (!result.valid) throw new Error(JSON.stringify(result.problems));
        return result.pins.extract.version;
      };
      expect(pinsFor('postgres/query')).toBe('2.0.0');
      expect(pinsFor('postgres/query@latest')).toBe('2.0.0');
      expect(pinsFor('postgres/query@1.0.0')).toBe('1.0.0');
      expect(pinsFor('postgres/query@~1.2')).toBe('1.2.0');
      expect(pinsFor('postgres/query@3.0.0-beta.1')).toBe('3.0.0-beta.1');
    });
  });

  describe('with', () => {
    it('checks literal values against the input schema of the pinned step', () => {
      const raw = withChanges((d) => {
        d.steps['per-region'].with = { url: 'not a url', method: 'PATCH', retries: -1, headers: { a: 1 }, extra: true };
        d.steps.extract.with = { sql: 42 };
      });
      expect(problemsFor(raw)).toEqual([
        { path: 'steps.extract.with.connection', message: 'Required' },
        { path: 'steps.extract.with.sql', message: 'Must be string' },
        { path: 'steps.per-region.with.extra', message: 'Unknown field' },
        { path: 'steps.per-region.with.url', message: 'Must match format "uri"' },
        { path: 'steps.per-region.with.method', message: 'Must be equal to one of the allowed values' },
        { path: 'steps.per-region.with.retries', message: 'Must be >= 0' },
        { path: 'steps.per-region.with.headers.a', message: 'Must be string' },
      ]);
    });

    it('leaves values holding expressions to run time, but still requires required fields', () => {
      const raw = withChanges((d) => {
        d.steps['per-region'].with = {
          method: '${{ inputs.day }}',
          retries: 'n=${{ inputs.day }}',
          headers: { a: ['${{ inputs.day }}'], b: 2 },
        };
      });
      expect(problemsFor(raw)).toEqual([
        { path: 'steps.per-region.with.url', message: 'Required' },
        { path: 'steps.per-region.with.headers.b', message: 'Must be string' },
      ]);
    });

    it('reports array items by index', () => {
      const raw = withChanges((d) => {
        d.steps.check.with = { dataset: 'x', expect: 'all' };
        d.steps.extract.with = { connection: 'c', sql: 's', params: { 0: 'a' } };
      });
      expect(problemsFor(raw)).toEqual([
        { path: 'steps.extract.with.params', message: 'Must be array' },
        { path: 'steps.check.with.expect', message: 'Must be array' },
      ]);
    });
  });

  describe('expressions', () => {
    it('reports syntax errors in with, if and outputs', () => {
      const raw = withChanges((d) => {
        d.steps.extract.with = { connection: 'c', sql: 'select ${{ inputs.day + }}', params: ['${{ inputs.day'] };
        d.steps.publish.if = '${{ steps.check.outputs.passed and }}';
        d.outputs = { report: '${{ $count( }}' };
      });
      expect(problemsFor(raw)).toEqual([
        { path: 'steps.extract.with.sql', message: 'Syntax error at character 12 of `inputs.day +`: Unexpected end of expression' },
        { path: 'steps.extract.with.params[0]', message: '`${{` at character 1 is not closed by `}}`' },
        { path: 'steps.publish.if', message: expect.stringMatching(/^Syntax error at character \d+ of `steps.check.outputs.passed and`/) },
        { path: 'outputs.report', message: expect.stringMatching(/^Syntax error .*`\$count\(`/) },
      ]);
    });

    it('reports unknown inputs, steps and names', () => {
      const raw = withChanges((d) => {
        d.steps.check.with = {
          dataset: '${{ inputs.dya }}',
          expect: ['${{ steps.extarct.outputs.x }}', '${{ env.HOME }}', '${{ steps.extract.result }}'],
        };
        d.outputs = { report: '${{ steps.nowhere.outputs.path }}' };
      });
      expect(problemsFor(raw)).toEqual([
        { path: 'steps.check.with.dataset', message: 'Unknown input `dya`' },
        { path: 'steps.check.with.expect[0]', message: 'Unknown step `extarct`' },
        { path: 'steps.check.with.expect[1]', message: 'Unknown name `env`: expressions start from inputs, steps, item, run, secrets' },
        { path: 'steps.check.with.expect[2]', message: '`steps.extract.result`: a step has only `outputs` and `status`' },
        { path: 'outputs.report', message: 'Unknown step `nowhere`' },
      ]);
    });

    it('allows only upstream steps to be referenced', () => {
      const raw = withChanges((d) => {
        d.steps.check.with = { dataset: '${{ steps.per-region.outputs }}' };
        d.steps.extract.with = { connection: 'c', sql: '${{ steps.extract.status }}' };
        d.steps.publish.with = { path: '${{ steps.extract.outputs.path }}' };
      });
      expect(problemsFor(raw)).toEqual([
        { path: 'steps.extract.with.sql', message: 'A step cannot read its own outputs or status' },
        {
          path: 'steps.check.with.dataset',
          message: '`per-region` is not upstream of `check`: add it to needs (directly or through a step it needs) so that it has finished',
        },
      ]);
    });

    it('refuses secrets where the installation has no secrets store', () => {
      const problems = problemsOf(validatePipeline(dailySales(), catalog, { expectedName: 'daily-sales' }));
      expect(problems).toEqual([{ path: 'steps.extract.with.connection', message: expect.stringContaining('Secrets are not available') }]);
    });

    it('accepts secrets only as a whole value in with', () => {
      const raw = withChanges((d) => {
        d.steps['per-region'].with = {
          url: 'https://x.example',
          headers: { authorization: 'Bearer ${{ secrets.TOKEN }}', b: '${{ $lowercase(secrets.TOKEN) }}' },
        };
        d.steps.publish.if = '${{ secrets.ENABLED }}';
        d.outputs = { leaked: '${{ secrets.WAREHOUSE_URL }}' };
      });
      const secretMessage = expect.stringMatching(/^A secret can only be used as a whole value/);
      expect(problemsFor(raw)).toEqual([
        { path: 'steps.per-region.with.headers.authorization', message: secretMessage },
        { path: 'steps.per-region.with.headers.b', message: secretMessage },
        { path: 'steps.publish.if', message: "Secrets can only be passed to a step's `with`" },
        { path: 'outputs.leaked', message: "Secrets can only be passed to a step's `with`" },
      ]);
    });

    it('accepts a secret as the whole value of a field the plugin declares secret', () => {
      const raw = withChanges((d) => {
        d.steps['per-region'].with = { url: 'https://x.example', secretHeaders: { 'X-Api-Key': '${{ secrets.TOKEN }}' } };
      });
      expect(validate(raw).valid).toBe(true);
    });

    it('refuses a secret in a field the plugin does not declare secret, naming the path and the secret fields', () => {
      const raw = withChanges((d) => {
        d.steps['per-region'].with = { url: 'https://x.example', headers: { authorization: '${{ secrets.TOKEN }}' } };
        d.steps.extract.with = {
          connection: '${{ secrets.WAREHOUSE_URL }}',
          sql: '${{ secrets.WAREHOUSE_URL }}',
          params: ['${{ secrets.PIN }}'],
        };
      });
      expect(problemsFor(raw)).toEqual([
        {
          path: 'steps.extract.with.sql',
          message: expect.stringMatching(
            /^`\$\{\{ secrets.WAREHOUSE_URL \}\}` can only be written in a field `postgres\/query@1.2.0` declares secret \(its secret fields are `connection`\)/,
          ),
        },
        {
          path: 'steps.extract.with.params[0]',
          message: expect.stringMatching(/^`\$\{\{ secrets.PIN \}\}` can only be written in a field `postgres\/query@1.2.0`/),
        },
        {
          path: 'steps.per-region.with.headers.authorization',
          message: expect.stringContaining('its secret fields are `secretHeaders.*`'),
        },
      ]);
    });

    it('refuses a secret in a declared field of a plugin the tenant has not approved for it', () => {
      const approving = inMemoryPluginCatalog(
        { postgres: [{ version: '1.2.0', digest: 'sha256:pg120', steps: { query: queryStep } }] },
        { postgres: ['OTHER'] },
      );
      const result = validatePipeline(
        {
          apiVersion: 'baton/v1',
          kind: 'Pipeline',
          name: 'p',
          steps: { q: { uses: 'postgres/query@^1', with: { connection: '${{ secrets.WAREHOUSE_URL }}', sql: 'select 1' } } },
        },
        approving,
        { secretsAvailable: true },
      );
      expect(problemsOf(result)).toEqual([
        {
          path: 'steps.q.with.connection',
          message: expect.stringMatching(
            /^Plugin `postgres` is not approved for secret WAREHOUSE_URL: a tenant admin approves it with POST \/v1\/plugins\/postgres\/enable/,
          ),
        },
      ]);
    });

    it('rejects item outside the with of a forEach step', () => {
      const raw = withChanges((d) => {
        d.steps.check.with = { dataset: '${{ item }}' };
      });
      expect(problemsFor(raw)).toEqual([
        { path: 'steps.check.with.dataset', message: '`item` exists only in the `with` of a step with `forEach`' },
      ]);
    });

    it('requires if to be a boolean or one whole expression', () => {
      const raw = withChanges((d) => {
        d.steps.check.if = 'steps.extract.status = "succeeded"';
        d.steps.publish.if = '${{ inputs.day }} and ${{ inputs.day }}';
      });
      expect(problemsFor(raw)).toEqual([
        { path: 'steps.check.if', message: 'Must be true, false or a single ${{ expression }}' },
        { path: 'steps.publish.if', message: 'Must be true, false or a single ${{ expression }}' },
      ]);
    });
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
      { path: 'steps.per-region.with.url', message: 'Must be string' },
      { path: 'steps.extract.with.sql', message: 'Unknown input `missing`' },
      { path: 'steps.publish.if', message: expect.stringMatching(/^`per-region` is not upstream of `publish`/) },
      { path: 'outputs.report', message: expect.stringMatching(/^Syntax error/) },
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
