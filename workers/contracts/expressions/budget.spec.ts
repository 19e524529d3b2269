import { describe, expect, it } from 'vitest';
import { compileBounded, EvaluationBudget, evaluateWithBudget, ExpressionBudgetError, MAX_STRING_LENGTH } from './budget.js';

const run = (text: string, input: unknown = {}, budget?: EvaluationBudget) => evaluateWithBudget(compileBounded(text), input, budget);
const big = {
  text: 'x'.repeat(200_000),
  rows: Array.from({ length: 50_000 }, (_, i) => ({ i })),
  numbers: Array.from({ length: 50_000 }, (_, i) => 50_000 - i),
};

describe('evaluateWithBudget', () => {
  it('evaluates ordinary expressions as JSONata does', async () => {
    expect(await run('$sum(rows[i < 3].i)', { rows: big.rows.slice(0, 100) })).toBe(3);
    expect([
      ...((await run('$sort(rows, function($a, $b) { $a.i < $b.i }).i', { rows: [{ i: 1 }, { i: 3 }, { i: 2 }] })) as number[]),
    ]).toEqual([3, 2, 1]);
    expect(await run('$distinct([1, 2, 1, {"a": [1]}, {"a": [1]}, "1"])')).toEqual([1, 2, { a: [1] }, '1']);
    expect(await run('$sort([3, 1, 2])')).toEqual([1, 2, 3]);
    expect(await run('$eval("1 + x", { "x": 2 })')).toBe(3);
  });

  it.each([
    ['deep recursion', '($f := function($n) { $n + $f($n + 1) }; $f(0))'],
    ['endless tail recursion', '($f := function($n) { $f($n + 1) }; $f(0))'],
    ['a huge range', '$count([1..10000000])'],
    ['$string of big data, again and again', '$count($map([1..1000], function($i) { $string($$.rows) }))'],
    ['$sort of big data, again and again', '$count($map([1..1000], function($i) { $sort($$.numbers) }))'],
    ['reading a long string again and again', '$count($map([1..5000], function($i) { $length($$.text) }))'],
    ['quadratic regex searches', '$count($match($pad("", 100000, "a") & "b", /a+$|a/))'],
    ['$eval of an endless loop', '$eval("($f := function($n) { $f($n + 1) }; $f(0))")'],
  ])('stops %s within the budget, quickly, deterministically', async (_what, text) => {
    // CPU time, not wall time: other processes on a busy machine must not fail this.
    const started = process.cpuUsage();
    const first = await run(text, big).catch((error: unknown) => error);
    const second = await run(text, big).catch((error: unknown) => error);
    // JSONata's own errors are objects with a code, not Errors.
    const describe = (error: unknown) =>
      JSON.stringify({ code: (error as { code?: unknown })?.code, message: (error as { message?: unknown })?.message });
    expect(first).toMatchObject({ message: expect.any(String) });
    expect(describe(second)).toBe(describe(first));
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000, 'CPU milliseconds for both evaluations').toBeLessThan(5_000);
  });

  it('reports running out of budget as expression_budget_exceeded', async () => {
    await expect(run('$count([1..99999].($ * 2))', {}, new EvaluationBudget(1_000, 'Test'))).rejects.toMatchObject({
      code: 'expression_budget_exceeded',
      message: expect.stringMatching(/^Test stopped after 1000 steps/),
    });
  });

  it('shares a budget among the expressions given it', async () => {
    const budget = new EvaluationBudget(2_000);
    await run('$sum([1..200].($ * 2))', {}, budget);
    await expect(run('$sum([1..300].($ * 2))', {}, budget)).rejects.toBeInstanceOf(ExpressionBudgetError);
  });

  it('makes $distinct linear', async () => {
    const started = performance.now();
    expect(
      await run(
        '$count($distinct($$))',
        Array.from({ length: 20_000 }, (_, i) => ({ i })),
      ),
    ).toBe(20_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuses strings past the limit', async () => {
    await expect(run(`$pad("", ${MAX_STRING_LENGTH + 1}, "x")`)).rejects.toThrow(/longer than/);
  });

  it('refuses to evaluate without a budget', async () => {
    await expect(compileBounded('1 + 1').evaluate({})).rejects.toThrow(/no evaluation budget/);
  });
});
