import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { datasetStep } from './dataset.step.js';

const ndjson = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
const artifacts = {
  orders: ndjson([
    { id: 1, customer: 'c1', qty: 2, price: 5, status: 'paid' },
    { id: 2, customer: 'c2', qty: 1, price: 7, status: 'open' },
    { id: 3, customer: 'c1', qty: 3, price: 1, status: 'paid' },
  ]),
  customers: ndjson([
    { id: 'c1', name: 'Ada' },
    { id: 'c2', name: 'Grace' },
  ]),
};

async function transform(input: Record<string, unknown>) {
  const result = await runStepForTest(datasetStep, { dataset: { artifact: 'orders' }, ...input }, { artifacts, runId: 'r' });
  if (!result.ok) throw new Error(result.error.message);
  const ref = result.outputs.dataset as { artifact: string } | undefined;
  return {
    outputs: result.outputs,
    rows: ref
      ? result.artifacts[ref.artifact]
          .toString()
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : undefined,
  };
}

describe('transform/dataset', () => {
  it('maps and filters rows into a new dataset', async () => {
    expect((await transform({ expression: '$[status = "paid"].{ "id": id, "total": qty * price }' })).rows).toEqual([
      { id: 1, total: 10 },
      { id: 3, total: 3 },
    ]);
    // One match is still a dataset of one row; none is an empty one.
    expect((await transform({ expression: '$[id = 2]' })).rows).toEqual([{ id: 2, customer: 'c2', qty: 1, price: 7, status: 'open' }]);
    expect((await transform({ expression: '$[id = 99]' })).outputs).toMatchObject({ count: 0, dataset: { rows: 0 } });
  });

  it('aggregates to a value', async () => {
    expect((await transform({ expression: '$sum($.(qty * price))', as: 'value' })).outputs).toEqual({ value: 20 });
    expect((await transform({ expression: '$count($[status = "paid"])', as: 'value' })).outputs).toEqual({ value: 2 });
  });

  it('joins another dataset bound by name', async () => {
    const { rows } = await transform({
      join: { customers: { artifact: 'customers' } },
      expression: '$.( $o := $; { "order": $o.id, "name": $customers[id = $o.customer].name } )',
    });
    expect(rows).toEqual([
      { order: 1, name: 'Ada' },
      { order: 2, name: 'Grace' },
      { order: 3, name: 'Ada' },
    ]);
  });

  it('refuses results that are not rows, and reports expression errors', async () => {
    const notRows = await runStepForTest(datasetStep, { dataset: { artifact: 'orders' }, expression: '$.qty' }, { artifacts });
    expect(notRows).toMatchObject({ ok: false, error: { stepCode: 'not_rows', retryable: false } });
    const broken = await runStepForTest(datasetStep, { dataset: { artifact: 'orders' }, expression: '$.(' }, { artifacts });
    expect(broken).toMatchObject({ ok: false, error: { stepCode: 'expression_error' } });
  });
});
