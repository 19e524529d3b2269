import { describe, expect, it } from 'vitest';
import { inMemoryPluginCatalog } from '../in-memory-plugin-catalog.js';
import { validatePipeline } from '../pipeline-validator.js';
import { problemsFor, validate, withChanges } from '../pipeline-fixtures.js';

describe('steps check', () => {
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

  it('checks literal values against the input schema of the pinned step', () => {
    const raw = withChanges((d) => {
      d.steps['per-region'].with = { url: 'not a url', method: 'PATCH', retries: -1, headers: { a: 1 }, extra: true };
      d.steps.extract.with = { sql: 42 };
    });
    expect(problemsFor(raw)).toEqual([
      { path: 'steps.extract.with.connection', message: 'Required' },
      { path: 'steps.extract.with.sql', message: 'Must be a string' },
      { path: 'steps.per-region.with.extra', message: 'Unknown field' },
      { path: 'steps.per-region.with.url', message: 'Must be a URI' },
      { path: 'steps.per-region.with.method', message: 'Must be one of: GET, POST' },
      { path: 'steps.per-region.with.retries', message: 'Must be at least 0' },
      { path: 'steps.per-region.with.headers.a', message: 'Must be a string' },
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
      { path: 'steps.per-region.with.headers.b', message: 'Must be a string' },
    ]);
  });

  it('reports array items by index', () => {
    const raw = withChanges((d) => {
      d.steps.check.with = { dataset: 'x', expect: 'all' };
      d.steps.extract.with = { connection: 'c', sql: 's', params: { 0: 'a' } };
    });
    expect(problemsFor(raw)).toEqual([
      { path: 'steps.extract.with.params', message: 'Must be an array' },
      { path: 'steps.check.with.expect', message: 'Must be an array' },
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
    expect(result).toEqual({ valid: false, problems: [{ path: 'steps.c.with.s', message: 'Must match the pattern ^(a+)+$' }] });
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
});
