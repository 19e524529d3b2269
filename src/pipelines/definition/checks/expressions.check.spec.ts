import { describe, expect, it } from 'vitest';
import { problemsFor, withChanges } from '../pipeline-fixtures.js';

describe('expressions check', () => {
  it('reports syntax errors in with, if and outputs', () => {
    const raw = withChanges((d) => {
      d.steps.extract.with = { connection: 'c', sql: 'select ${{ inputs.day + }}', params: ['${{ inputs.day'] };
      d.steps.publish.if = '${{ steps.check.outputs.passed and }}';
      d.outputs = { report: '${{ $count( }}' };
    });
    expect(problemsFor(raw)).toEqual([
      {
        path: 'steps.extract.with.sql',
        message: 'Syntax error at character 12 of `inputs.day +`: Unexpected end of expression',
        position: 23,
      },
      { path: 'steps.extract.with.params[0]', message: '`${{` at character 1 is not closed by `}}`', position: 1 },
      {
        path: 'steps.publish.if',
        message: expect.stringMatching(/^Syntax error at character 30 of `steps.check.outputs.passed and`/),
        position: 34,
      },
      { path: 'outputs.report', message: expect.stringMatching(/^Syntax error at character 7 of `\$count\(`/), position: 11 },
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

  it('reports calls to functions that do not exist, with their position in the string, and accepts functions the expression binds', () => {
    const raw = withChanges((d) => {
      d.steps.check.with = {
        dataset: 'day ${{ $uppercas(inputs.day) }}',
        expect: [
          '${{ inputs.day ~> $trimm }}',
          '${{ ($twice := function($x) { $x * 2 }; $twice(1)) }}',
          '${{ $map([1], function($v, $i, $a) { $v }) }}',
        ],
      };
      d.outputs = { report: '${{ $frobnicate(steps.publish.outputs.path) }}' };
    });
    expect(problemsFor(raw)).toEqual([
      {
        path: 'steps.check.with.dataset',
        message: 'Unknown function `$uppercas` (did you mean `$uppercase`?) at character 1 of `$uppercas(inputs.day)`',
        position: 9,
      },
      {
        path: 'steps.check.with.expect[0]',
        message: 'Unknown function `$trimm` (did you mean `$trim`?) at character 15 of `inputs.day ~> $trimm`',
        position: 19,
      },
      {
        path: 'outputs.report',
        message: 'Unknown function `$frobnicate` at character 1 of `$frobnicate(steps.publish.outputs.path)`',
        position: 5,
      },
    ]);
  });
});
