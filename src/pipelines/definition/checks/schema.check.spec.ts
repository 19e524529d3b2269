import { describe, expect, it } from 'vitest';
import { dailySales, problemsFor, validate, withChanges } from '../pipeline-fixtures.js';

describe('schema check', () => {
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
      { path: 'steps.extract.maxParallel', message: 'Must be at least 1' },
      { path: 'steps.extract.maxParallel', message: '`maxParallel` limits a `forEach`; this step has none' },
      { path: 'steps.publish.maxParallel', message: 'Must be at most 200' },
      { path: 'steps.approve.forEach', message: 'An approval step cannot fan out; decide once, or fan out the steps after it' },
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
    expect(problemsFor('apiVersion: baton/v1')).toEqual([{ path: '(definition)', message: 'Must be an object' }]);
  });

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
