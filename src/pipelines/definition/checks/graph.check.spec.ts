import { describe, expect, it } from 'vitest';
import { problemsFor, withChanges } from '../pipeline-fixtures.js';

describe('graph check', () => {
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
