import { describe, expect, it } from 'vitest';
import { problemsFor, withChanges } from '../pipeline-fixtures.js';

describe('forEach check', () => {
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
});
