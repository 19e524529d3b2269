import { describe, expect, it } from 'vitest';
import { problemsFor, validate, withChanges } from '../pipeline-fixtures.js';

describe('retry check', () => {
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
