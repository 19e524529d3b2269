import { describe, expect, it } from 'vitest';
import { problemsFor, validate, withChanges } from '../pipeline-fixtures.js';

describe('expression fields check', () => {
  it('compiles the literal step inputs a plugin marks x-baton-expression: jsonata, reporting where they fail', () => {
    const raw = withChanges((d) => {
      d.steps.sum = { uses: 'transform/jsonata@^1', with: { expression: '$sum(text' } };
      d.steps.shout = { uses: 'transform/jsonata@^1', with: { expression: '$uppercas(name)', data: { name: 'x' } } };
      d.steps.fine = { uses: 'transform/jsonata@^1', with: { expression: '($f := function($x) { $x + 1 }; $f(n))' } };
      d.steps.later = { uses: 'transform/jsonata@^1', with: { expression: '${{ inputs.day }}' } };
    });
    expect(problemsFor(raw)).toEqual([
      {
        path: 'steps.sum.with.expression',
        message: 'Syntax error at character 9 of `$sum(text`: Expected ")" before end of expression',
        position: 9,
      },
      {
        path: 'steps.shout.with.expression',
        message: 'Unknown function `$uppercas` (did you mean `$uppercase`?) at character 1 of `$uppercas(name)`',
        position: 1,
      },
    ]);
  });

  it('leaves fields without the mark alone', () => {
    const raw = withChanges((d) => {
      d.steps.publish.with = { path: '$sum(', data: '$nothing()' };
    });
    expect(validate(raw).valid).toBe(true);
  });
});
