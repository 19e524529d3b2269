import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { readStep } from './read.step.js';
import { writeStep } from './write.step.js';

const rows = [
  { region: 'north', amount: 12.5, paid: true },
  { region: 'south, east', amount: 3, note: 'has "quotes"' },
];

describe('files plugin', () => {
  it('writes rows as CSV (every column, quoted where needed), JSON and NDJSON', async () => {
    const csv = await runStepForTest(writeStep, { path: 'out/sales.csv', rows });
    expect(csv).toMatchObject({
      ok: true,
      outputs: { artifact: 'out/sales.csv', format: 'csv', rows: 2, contentType: 'text/csv; charset=utf-8' },
    });
    expect(csv.artifacts['out/sales.csv'].toString()).toBe(
      'region,amount,paid,note\nnorth,12.5,true,\n"south, east",3,,"has ""quotes"""\n',
    );
    const json = await runStepForTest(writeStep, { path: 'out/sales.json', rows });
    expect(JSON.parse(json.artifacts['out/sales.json'].toString())).toEqual(rows);
    const ndjson = await runStepForTest(writeStep, { path: 'out/sales.data', format: 'ndjson', rows });
    expect(
      ndjson.artifacts['out/sales.data']
        .toString()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(rows);
  });

  it('reads CSV into a dataset by reference, or into rows, casting cells when asked', async () => {
    const artifacts = { 'in/orders.csv': 'id,qty,ok\n1,2,true\n2,5,false\n' };
    const asRows = await runStepForTest(readStep, { path: 'in/orders.csv', as: 'rows', cast: true }, { artifacts });
    expect(asRows).toMatchObject({
      ok: true,
      outputs: {
        count: 2,
        rows: [
          { id: 1, qty: 2, ok: true },
          { id: 2, qty: 5, ok: false },
        ],
      },
    });
    const asStrings = await runStepForTest(readStep, { path: 'in/orders.csv', as: 'rows' }, { artifacts });
    expect(asStrings.ok && asStrings.outputs.rows).toEqual([
      { id: '1', qty: '2', ok: 'true' },
      { id: '2', qty: '5', ok: 'false' },
    ]);

    const asDataset = await runStepForTest(readStep, { path: 'in/orders.csv' }, { artifacts, runId: 'r1' });
    expect(asDataset).toMatchObject({
      ok: true,
      outputs: { count: 2, dataset: { format: 'ndjson', rows: 2, artifact: expect.stringMatching(/^runs\/r1\/.+\/rows\.ndjson$/) } },
    });
    const ref = asDataset.ok ? (asDataset.outputs.dataset as { artifact: string }) : undefined;
    expect(asDataset.lineage).toEqual([
      { direction: 'input', namespace: 'baton-artifacts', name: 'in/orders.csv' },
      { direction: 'output', namespace: 'baton-artifacts', name: ref!.artifact },
    ]);
    // A dataset goes on to the next step by reference.
    const written = await runStepForTest(writeStep, { path: 'out/orders.json', dataset: ref }, { artifacts: asDataset.artifacts });
    expect(JSON.parse(written.artifacts['out/orders.json'].toString())).toEqual([
      { id: '1', qty: '2', ok: 'true' },
      { id: '2', qty: '5', ok: 'false' },
    ]);
  });

  it('fails for good on a missing file, an unknown format or a file that does not parse', async () => {
    expect(await runStepForTest(readStep, { path: 'nope.csv' })).toMatchObject({
      ok: false,
      error: { retryable: false, message: 'no artifact nope.csv' },
    });
    expect(await runStepForTest(readStep, { path: 'x.bin' }, { artifacts: { 'x.bin': 'x' } })).toMatchObject({
      ok: false,
      error: { stepCode: 'unknown_format' },
    });
    expect(await runStepForTest(readStep, { path: 'x.json' }, { artifacts: { 'x.json': '{"a":1}' } })).toMatchObject({
      ok: false,
      error: { stepCode: 'invalid_file', message: expect.stringContaining('not an array') },
    });
    expect(await runStepForTest(writeStep, { path: 'x.csv', rows: [1, 2] })).toMatchObject({
      ok: false,
      error: { stepCode: 'invalid_rows' },
    });
    expect(await runStepForTest(writeStep, { path: 'x.csv' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});
