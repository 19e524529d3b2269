import { describe, expect, it } from 'vitest';
import { describePlugin, runStepForTest } from '../../sdk/src/index.js';
import transform from './index.js';
import { jsonataStep } from './jsonata.step.js';

const orders = {
  orders: [
    { sku: 'a', qty: 2, price: 5 },
    { sku: 'b', qty: 1, price: 20 },
    { sku: 'a', qty: 1, price: 5 },
  ],
};

describe('transform/jsonata', () => {
  it('maps, filters and aggregates', async () => {
    const total = await runStepForTest(jsonataStep, { expression: '$sum(orders.(qty * price))', data: orders });
    const skus = await runStepForTest(jsonataStep, { expression: '$distinct(orders[price < 10].sku)', data: orders });
    const grouped = await runStepForTest(jsonataStep, { expression: 'orders{sku: $sum(qty)}', data: orders });

    expect(total).toMatchObject({ ok: true, outputs: { result: 35 } });
    expect(skus).toMatchObject({ ok: true, outputs: { result: 'a' } });
    expect(grouped).toMatchObject({ ok: true, outputs: { result: { a: 3, b: 1 } } });
  });

  it('gives null when nothing matches', async () => {
    expect(await runStepForTest(jsonataStep, { expression: 'missing.field', data: orders })).toMatchObject({
      ok: true,
      outputs: { result: null },
    });
  });

  it('reports a syntax error as a non-retryable failure with its position', async () => {
    expect(await runStepForTest(jsonataStep, { expression: 'orders[', data: orders })).toMatchObject({
      ok: false,
      error: {
        code: 'step_error',
        retryable: false,
        stepCode: 'expression_error',
        message: expect.stringMatching(/^jsonata S0\d+ at position \d+/),
      },
    });
  });

  it('stops an endless expression at its time bound', async () => {
    const endless = '($loop := function($n) { $n < 0 ? $n : $loop($n + 1) }; $loop(0))';
    const started = performance.now();

    const result = await runStepForTest(jsonataStep, { expression: endless, timeoutMs: 200 });

    expect(result).toMatchObject({ ok: false, error: { stepCode: 'expression_timeout', retryable: false } });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('stops runaway recursion before it exhausts the stack', async () => {
    const deep = '($deep := function($n) { 1 + $deep($n + 1) }; $deep(0))';

    expect(await runStepForTest(jsonataStep, { expression: deep })).toMatchObject({
      ok: false,
      error: { stepCode: 'expression_error', retryable: false, message: expect.stringMatching(/D1011/) },
    });
  });

  it('refuses a result JSON cannot carry, such as a function', async () => {
    expect(await runStepForTest(jsonataStep, { expression: 'function($x) { $x }' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_output' },
    });
  });

  it('belongs to the transform plugin', () => {
    expect(describePlugin(transform).steps.map((step) => step.id)).toEqual(['jsonata', 'dataset']);
  });

  it('marks its expressions so that pipelines are checked when saved', () => {
    for (const step of describePlugin(transform).steps)
      expect(step.inputSchema).toMatchObject({ properties: { expression: { type: 'string', 'x-baton-expression': 'jsonata' } } });
  });
});
