import { describe, expect, it } from 'vitest';
import {
  collectReferences,
  compileExpression,
  DATE_PICTURE_REFUSED,
  evaluateCondition,
  evaluateTemplate,
  ExpressionError,
  EXPRESSION_BUDGET_EXCEEDED,
  inspectTemplate,
  isTruthy,
  MAX_EXPRESSION_LENGTH,
  parseTemplate,
  quoteHyphenatedStepIds,
  secretReference,
  type ExpressionContext,
} from './index.js';

const context: ExpressionContext = {
  inputs: { day: '2024-05-01', count: 3, tags: ['a', 'b'] },
  steps: {
    extract: {
      status: 'succeeded',
      outputs: {
        rows: [
          { region: 'eu', amount: 5 },
          { region: 'us', amount: -1 },
        ],
        summary: { total: 4 },
        passed: true,
      },
    },
    'per-region': { status: 'succeeded', outputs: { path: 'reports/eu.json', count: 2 } },
    skipped: { status: 'skipped', outputs: null },
  },
  run: { id: 'run-1', pipeline: 'daily-sales', version: 7 },
};

const referencesOf = (source: string) => {
  const result = compileExpression(source);
  if (!result.ok) throw new Error(result.error);
  return collectReferences(result.compiled.expression);
};

describe('parseTemplate', () => {
  it('tells literal, whole-value and interpolated strings apart', () => {
    expect(parseTemplate('plain text')).toEqual({ kind: 'literal', text: 'plain text' });
    expect(parseTemplate('  ${{ inputs.day }} ')).toEqual({ kind: 'whole', source: 'inputs.day' });
    expect(parseTemplate('reports/${{ inputs.day }}.json')).toEqual({
      kind: 'interpolated',
      segments: [
        { kind: 'text', text: 'reports/' },
        { kind: 'expression', source: 'inputs.day' },
        { kind: 'text', text: '.json' },
      ],
    });
    expect(parseTemplate('${{ inputs.a }}${{ inputs.b }}').kind).toBe('interpolated');
  });

  it('does not end an expression at `}}` inside string literals, names or object constructors', () => {
    expect(parseTemplate('${{ "a}}b" & \'c}}\' }}')).toEqual({ kind: 'whole', source: '"a}}b" & \'c}}\'' });
    expect(parseTemplate('${{ {"a": {"b": 1}}}}')).toEqual({ kind: 'whole', source: '{"a": {"b": 1}}' });
    expect(parseTemplate('${{ inputs.`x}}y` }}')).toEqual({ kind: 'whole', source: 'inputs.`x}}y`' });
    expect(parseTemplate('${{ "say \\"}}\\"" }}')).toEqual({ kind: 'whole', source: '"say \\"}}\\""' });
  });

  it('rejects an expression that is never closed', () => {
    expect(() => parseTemplate('a ${{ inputs.day')).toThrow(/character 3 is not closed/);
    expect(() => parseTemplate('${{ "}} }}')).toThrow(ExpressionError);
  });
});

describe('quoteHyphenatedStepIds', () => {
  it('quotes hyphenated ids right after a root `steps.` only', () => {
    expect(quoteHyphenatedStepIds('steps.per-region.outputs.x').text).toBe('steps.`per-region`.outputs.x');
    expect(quoteHyphenatedStepIds('steps.a.outputs.n-steps.b-c.outputs.n').text).toBe('steps.a.outputs.n-steps.`b-c`.outputs.n');
    expect(quoteHyphenatedStepIds('inputs.steps.a-b').text).toBe('inputs.steps.a-b');
    expect(quoteHyphenatedStepIds('$steps.a-b').text).toBe('$steps.a-b');
    expect(quoteHyphenatedStepIds('"steps.a-b" & steps.plain').text).toBe('"steps.a-b" & steps.plain');
  });

  it('maps positions back to the source as written', () => {
    const { toOriginalPosition } = quoteHyphenatedStepIds('steps.a-b.outputs +');
    expect(toOriginalPosition(21)).toBe(19);
    expect(toOriginalPosition(3)).toBe(3);
  });
});

describe('compileExpression', () => {
  it('returns syntax errors with their position instead of throwing', () => {
    const result = compileExpression('$count(inputs.tags');
    expect(result).toMatchObject({ ok: false, position: 18 });
    expect(!result.ok && result.error).toBe('Syntax error at character 18 of `$count(inputs.tags`: Expected ")" before end of expression');
    expect(compileExpression('"abc')).toMatchObject({ ok: false, error: expect.stringContaining('String literal must be terminated') });
  });

  it('reports positions in the source as written when step ids were quoted', () => {
    expect(compileExpression('steps.per-region.outputs +')).toMatchObject({ ok: false, position: 26 });
  });

  it('caps the length of an expression', () => {
    const result = compileExpression(`"${'x'.repeat(MAX_EXPRESSION_LENGTH)}"`);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining(`the limit is ${MAX_EXPRESSION_LENGTH}`) });
  });

  it('caches compiled expressions', () => {
    expect(compileExpression('inputs.day')).toBe(compileExpression('inputs.day'));
  });
});

describe('collectReferences', () => {
  it('finds inputs, steps with their field, run and secrets', () => {
    const { references, problems } = referencesOf(
      'inputs.day & steps.extract.outputs.rows[0].region & steps.check.status & run.id & $$.inputs.count',
    );
    expect(problems).toEqual([]);
    expect(references).toEqual([
      { root: 'inputs', path: ['day'] },
      { root: 'steps', path: ['extract', 'outputs', 'rows'] },
      { root: 'steps', path: ['check', 'status'] },
      { root: 'run', path: ['id'] },
      { root: 'inputs', path: ['count'] },
    ]);
    expect(referencesOf('secrets.TOKEN').references).toEqual([{ root: 'secrets', path: ['TOKEN'] }]);
    expect(referencesOf('item.name').references).toEqual([{ root: 'item', path: ['name'] }]);
  });

  it('reads hyphenated step ids', () => {
    expect(referencesOf('steps.per-region.outputs.count + 1').references).toEqual([
      { root: 'steps', path: ['per-region', 'outputs', 'count'] },
    ]);
  });

  it('ignores names that are relative to the current item', () => {
    const { references, problems } = referencesOf(
      'steps.extract.outputs.rows[amount > inputs.min].{ "r": region } ~> $map(function($r) { $r.amount * inputs.rate })',
    );
    expect(problems).toEqual([]);
    expect(references.map((r) => r.path[0])).toEqual(['extract', 'rate']);
  });

  it('refuses order-by, which JSONata sorts in quadratic time, and points to $sort', () => {
    expect(compileExpression('inputs.tags^($)')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Sorting with `\^\(…\)` is not allowed.*use \$sort/),
    });
  });

  it('finds references inside functions, conditions, blocks and constructors', () => {
    const { references } = referencesOf('($x := inputs.a; $count(steps.b.outputs) > 0 ? { "k": [run.id] } : -inputs.c)');
    expect(references.map((r) => `${r.root}.${r.path.join('.')}`)).toEqual(['inputs.a', 'steps.b.outputs', 'run.id', 'inputs.c']);
  });

  it('rejects unknown roots and misshaped references', () => {
    expect(referencesOf('foo.bar').problems).toEqual(['Unknown name `foo`: expressions start from inputs, steps, item, run, secrets']);
    expect(referencesOf('steps.a.result').problems).toEqual(['`steps.a.result`: a step has only `outputs` and `status`']);
    expect(referencesOf('run.tenant').problems[0]).toMatch(/run has only `id`, `pipeline`, `version`, `error`/);
    expect(referencesOf('$keys(steps)').problems[0]).toMatch(/Name the step/);
    expect(referencesOf('**.password').problems[0]).toMatch(/cannot be used on the whole context/);
  });
});

describe('evaluateTemplate', () => {
  it('keeps the JSON type of whole-value expressions', async () => {
    const value = {
      count: '${{ inputs.count }}',
      tags: ' ${{ inputs.tags }} ',
      summary: '${{ steps.extract.outputs.summary }}',
      passed: '${{ steps.extract.outputs.passed }}',
      missing: '${{ inputs.nothing }}',
      regions: '${{ steps.extract.outputs.rows.region }}',
    };
    expect(await evaluateTemplate(value, context)).toEqual({
      count: 3,
      tags: ['a', 'b'],
      summary: { total: 4 },
      passed: true,
      missing: null,
      regions: ['eu', 'us'],
    });
  });

  it('stringifies interpolated expressions', async () => {
    const value = [
      'reports/${{ inputs.day }}.json',
      'n=${{ inputs.count }} ${{ steps.extract.outputs.summary }} [${{ inputs.nothing }}] ${{ inputs.tags }}',
    ];
    expect(await evaluateTemplate(value, context)).toEqual(['reports/2024-05-01.json', 'n=3 {"total":4} [] ["a","b"]']);
  });

  it('walks objects and arrays deeply and leaves other values alone', async () => {
    const value = { a: [{ b: '${{ run.pipeline }}' }, 1, null, true], '${{ keys }}': 'are not evaluated' };
    expect(await evaluateTemplate(value, context)).toEqual({
      a: [{ b: 'daily-sales' }, 1, null, true],
      '${{ keys }}': 'are not evaluated',
    });
  });

  it('reads hyphenated step ids and step status', async () => {
    expect(await evaluateTemplate('${{ steps.per-region.outputs.count * 10 }}', context)).toBe(20);
    expect(await evaluateTemplate('${{ steps.skipped.status }}:${{ steps.skipped.outputs.x }}', context)).toBe('skipped:');
  });

  it('returns plain arrays, not JSONata sequences', async () => {
    const amounts = (await evaluateTemplate('${{ steps.extract.outputs.rows.amount }}', context)) as unknown[];
    expect(amounts).toEqual([5, -1]);
    expect(Object.keys(amounts)).toEqual(['0', '1']);
    // JSONata unwraps a one-item sequence unless the path ends with `[]`.
    expect(await evaluateTemplate('${{ steps.extract.outputs.rows[amount > 0] }}', context)).toEqual({ region: 'eu', amount: 5 });
    expect(await evaluateTemplate('${{ steps.extract.outputs.rows[amount > 0][] }}', context)).toEqual([{ region: 'eu', amount: 5 }]);
  });

  it('leaves a whole-value secret reference untouched for the activity', async () => {
    const value = { connection: ' ${{ secrets.WAREHOUSE_URL }}', sql: 'select 1' };
    expect(await evaluateTemplate(value, context)).toEqual(value);
    expect(secretReference(value.connection)).toBe('WAREHOUSE_URL');
    expect(secretReference('${{ inputs.day }}')).toBeNull();
    expect(secretReference('plain')).toBeNull();
  });

  it('refuses to evaluate secrets mixed into larger expressions', async () => {
    await expect(evaluateTemplate('Bearer ${{ secrets.TOKEN }}', context)).rejects.toThrow(/A secret can only be used as a whole value/);
    await expect(evaluateTemplate('${{ $uppercase(secrets.TOKEN) }}', context)).rejects.toThrow(ExpressionError);
  });

  it('fails with a clear error on syntax and evaluation errors', async () => {
    await expect(evaluateTemplate('${{ inputs.( }}', context)).rejects.toThrow(/Syntax error/);
    await expect(evaluateTemplate('${{ inputs.day + 1 }}', context)).rejects.toThrow(
      /`inputs.day \+ 1` failed: The left side of the "\+" operator must evaluate to a number/,
    );
    await expect(evaluateTemplate('${{ function($x) { $x } }}', context)).rejects.toThrow(/evaluated to a function/);
    await expect(evaluateTemplate('${{ $uppercase }}', context)).rejects.toThrow(/evaluated to a function/);
  });

  it('stops runaway recursion', async () => {
    await expect(evaluateTemplate('${{ ($f := function($n) { $n + $f($n + 1) }; $f(0)) }}', context)).rejects.toThrow(ExpressionError);
  });

  it('stops endless tail recursion, which does not grow the stack', async () => {
    await expect(evaluateTemplate('${{ ($f := function($n) { $f($n + 1) }; $f(0)) }}', context)).rejects.toThrow(
      /Evaluation stopped after \d+ steps/,
    );
  });

  it('stops huge sequences', async () => {
    await expect(evaluateTemplate('${{ $sum([1..10000000]) }}', context)).rejects.toThrow(ExpressionError);
  });

  it('stops strings that grow without bound', async () => {
    const doubling = '${{ ($grow := function($s) { $grow($s & $s) }; $grow("x")) }}';
    await expect(evaluateTemplate(doubling, context)).rejects.toThrow(/built a string longer than/);
  });

  it('gives every evaluation its own budget', async () => {
    const source = '${{ $sum($map([1..2000], function($n) { $n * 2 })) }}';
    for (let i = 0; i < 5; i++) expect(await evaluateTemplate(source, context)).toBe(4_002_000);
  });
});

describe('regular expressions, run by RE2 (linear time)', () => {
  const compileProblem = (source: string) => {
    const result = compileExpression(source);
    return result.ok ? undefined : result;
  };
  const evil = `${'a'.repeat(34)}!`;

  it.each([
    ['a match', '$match(inputs.day, /(a+)+$/)'],
    ['a function argument', '$replace(inputs.day, /-/, "")'],
    ['a chained call', 'inputs.day ~> $contains(/2024/i)'],
    ['a lambda body', '$map(inputs.tags, function($t) { $split($t, /,/) })'],
    ['a filter', 'inputs.tags[$contains($, /a/)]'],
    ['a bound variable', '($re := /b/; $contains(inputs.day, $re))'],
  ])('accepts a regex literal in %s', (_where, source) => {
    expect(compileProblem(source)).toBeUndefined();
  });

  it('runs what a backtracking engine cannot: a catastrophic pattern answers at once', async () => {
    const started = performance.now();
    expect(await evaluateTemplate(`\${{ $contains("${evil}", /^(a+)+$/) }}`, context)).toBe(false);
    expect(await evaluateTemplate(`\${{ $match("${evil}", /(a|aa)+$/) }}`, context)).toBeNull();
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('keeps JavaScript results: matches with groups and positions, replace with $1, split, flags', async () => {
    expect(await evaluateTemplate('${{ $match("ab12cd345", /([a-z]+)(\\d+)/) }}', context)).toEqual([
      { match: 'ab12', index: 0, groups: ['ab', '12'] },
      { match: 'cd345', index: 4, groups: ['cd', '345'] },
    ]);
    expect(await evaluateTemplate('${{ $replace(inputs.day, /(\\d+)-(\\d+)/, "$2/$1") }}', context)).toBe('05/2024-01');
    expect(await evaluateTemplate('${{ $split("a, b,c", /,\\s*/) }}', context)).toEqual(['a', 'b', 'c']);
    expect(await evaluateTemplate('${{ $contains("HELLO", /hello/i) }}', context)).toBe(true);
    expect(await evaluateTemplate('${{ $match("x\\ny", /^y/m).match }}', context)).toBe('y');
    expect(await evaluateTemplate('${{ $match("😀é1", /\\d/).index }}', context)).toBe(3);
    expect(await evaluateTemplate('${{ $contains("aab", /^b/) }}', context)).toBe(false);
  });

  it.each([
    ['a backreference', '$contains(inputs.day, /(a)\\1/)', /backreference/],
    ['a named backreference', '$contains(inputs.day, /(?<x>a)\\k<x>/)', /named backreference/],
    ['a lookahead', '$contains(inputs.day, /a(?=b)/)', /lookaround/],
    ['a lookbehind', '$contains(inputs.day, /(?<!b)a/)', /lookaround/],
    ['too large a program', '$contains(inputs.day, /(?:(?:a|b){1,50}){1,20}/)', /too large/],
    ['a function signature', '$map(inputs.tags, function($t)<s:s> { $t })', /Function signatures/],
  ])('refuses %s, naming it with its position', (_what, source, message) => {
    expect(compileProblem(source)).toMatchObject({ ok: false, error: expect.stringMatching(message), position: expect.any(Number) });
  });

  it('reports the problem at validation, where the regex is in the source as written', () => {
    const { problems } = inspectTemplate('${{ $match(steps.per-region.outputs.path, /(e)\\1/) }}');

    expect(problems).toEqual([
      expect.stringMatching(
        /^\/\(e\)\\1\/ uses a backreference .* \(at character 45 of `\$match\(steps.per-region.outputs.path, \/\(e\)\\1\/\)`\)$/,
      ),
    ]);
  });

  it('refuses what $eval parses from a string that no written expression may hold', async () => {
    await expect(evaluateTemplate(`\${{ $eval("$contains('aaa', /(a)\\\\1/)") }}`, context)).rejects.toThrow(/backreference/);
    await expect(evaluateTemplate(`\${{ $eval("function($x)<s+s+:s>{ $x }")("a", "b") }}`, context)).rejects.toThrow(/Function signatures/);
    expect(await evaluateTemplate(`\${{ $eval("$contains('${evil}', /^(a+)+$/)") }}`, context)).toBe(false);
  });

  it('charges every search the rest of the string, so a loop of searches cannot go quadratic', async () => {
    const started = performance.now();
    const error = await evaluateTemplate(`\${{ $count($match($pad("", 200000, "a") & "b", /a+$|a/)) }}`, context).catch(
      (e: ExpressionError) => e,
    );
    expect(error).toBeInstanceOf(ExpressionError);
    expect(error).toMatchObject({
      code: EXPRESSION_BUDGET_EXCEEDED,
      message: expect.stringMatching(/regular expressions examined more text than allowed/),
    });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('keeps plain-string matching and division working', async () => {
    expect(await evaluateTemplate('${{ $contains(inputs.day, "2024") }}', context)).toBe(true);
    expect(await evaluateTemplate('${{ $split("a,b", ",") }}', context)).toEqual(['a', 'b']);
    expect(await evaluateTemplate('${{ $replace(inputs.day, "-", "") }}', context)).toBe('20240501');
    expect(await evaluateTemplate('${{ inputs.count / 2 / 3 }}', context)).toBe(0.5);
    expect(await evaluateTemplate('${{ "a/b/c" }}', context)).toBe('a/b/c');
  });

  it('keeps $toMillis for ISO 8601 timestamps, and refuses picture strings, which parse with a backtracking regex', async () => {
    expect(await evaluateTemplate('${{ $toMillis("2024-05-01T00:00:00Z") }}', context)).toBe(Date.UTC(2024, 4, 1));
    expect(await evaluateTemplate('${{ $fromMillis($toMillis(inputs.day) + 86400000) }}', context)).toBe('2024-05-02T00:00:00.000Z');
    await expect(evaluateTemplate('${{ $toMillis("01/05/2024") }}', context)).rejects.toThrow(ExpressionError);

    const slow = `\${{ $toMillis("${'1'.repeat(34)}x", "${'[f]'.repeat(12)}") }}`;
    await expect(evaluateTemplate(slow, context)).rejects.toThrow(DATE_PICTURE_REFUSED);
    await expect(evaluateTemplate('${{ ($parse := $toMillis; $parse("2024", "[Y]")) }}', context)).rejects.toThrow(DATE_PICTURE_REFUSED);
    await expect(evaluateTemplate('${{ $map(["2024"], function($d) { $toMillis($d, "[Y]") }) }}', context)).rejects.toThrow(
      DATE_PICTURE_REFUSED,
    );
    await expect(evaluateTemplate(`\${{ $eval("$toMillis('2024', '[Y]')") }}`, context)).rejects.toThrow(DATE_PICTURE_REFUSED);
  });
});

describe('inspectTemplate', () => {
  it('collects syntax errors, unknown names and misused secrets without throwing', () => {
    const inspection = inspectTemplate('${{ foo }} and ${{ inputs.( }} and ${{ secrets.X }}');
    expect(inspection.expressions).toHaveLength(2);
    expect(inspection.problems).toEqual([
      expect.stringMatching(/^Unknown name `foo`/),
      expect.stringMatching(/^Syntax error at character \d+ of `inputs.\(`/),
      expect.stringMatching(/^A secret can only be used as a whole value/),
    ]);
    expect(inspectTemplate('${{ secrets.X }}').problems).toEqual([]);
    expect(inspectTemplate('${{ inputs.x').problems).toEqual([expect.stringMatching(/is not closed/)]);
  });
});

describe('conditions', () => {
  it.each([
    [false, false],
    [null, false],
    [undefined, false],
    [0, false],
    ['', false],
    [[], false],
    [true, true],
    [1, true],
    ['false', true],
    [[0], true],
    [{}, true],
  ])('isTruthy(%j) is %s', (value, truthy) => {
    expect(isTruthy(value)).toBe(truthy);
  });

  it('evaluates `if`', async () => {
    expect(await evaluateCondition(undefined, context)).toBe(true);
    expect(await evaluateCondition(false, context)).toBe(false);
    expect(await evaluateCondition('${{ steps.extract.outputs.passed }}', context)).toBe(true);
    expect(await evaluateCondition('${{ steps.skipped.status = "succeeded" }}', context)).toBe(false);
    expect(await evaluateCondition('${{ steps.extract.outputs.rows[amount > 100] }}', context)).toBe(false);
  });
});
