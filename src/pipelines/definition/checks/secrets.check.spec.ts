import { describe, expect, it } from 'vitest';
import { inMemoryPluginCatalog } from '../in-memory-plugin-catalog.js';
import { validatePipeline } from '../pipeline-validator.js';
import { catalog, dailySales, problemsFor, problemsOf, queryStep, validate, withChanges } from '../pipeline-fixtures.js';

describe('secrets check', () => {
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
});
