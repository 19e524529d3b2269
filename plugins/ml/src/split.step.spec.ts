import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { irisRows, ndjson, parseNdjson, type IrisRow, outputsOf } from './iris.test-data.js';
import { splitStep } from './split.step.js';

const artifacts = { 'data/iris.ndjson': ndjson(irisRows()) };
const count = (rows: IrisRow[], species: string) => rows.filter((r) => r.species === species).length;

describe('ml/split', () => {
  it('cuts Iris into stratified train, validation and test sets that together hold every row once', async () => {
    const result = await runStepForTest(splitStep, { dataset: { artifact: 'data/iris.ndjson' }, testSize: 0.2, validationSize: 0.1, stratify: 'species', seed: 7 }, { artifacts });
    outputsOf(result);
    const out = outputsOf(result) as { train: { artifact: string; rows: number }; test: { artifact: string; rows: number }; validation: { artifact: string; rows: number }; counts: Record<string, number> };
    expect(out.counts).toEqual({ train: 105, test: 30, validation: 15 });
    const [train, test, validation] = [out.train, out.test, out.validation].map((ref) => parseNdjson<IrisRow>(result.artifacts[ref.artifact]!));
    expect([train!.length, test!.length, validation!.length]).toEqual([105, 30, 15]);
    for (const species of ['setosa', 'versicolor', 'virginica']) {
      expect([count(train!, species), count(test!, species), count(validation!, species)]).toEqual([35, 10, 5]);
    }
    const key = (r: IrisRow) => JSON.stringify(r);
    expect([...train!, ...test!, ...validation!].map(key).sort()).toEqual(irisRows().map(key).sort());
    expect(result.lineage.map((l) => [l.direction, l.name])).toEqual([
      ['input', 'data/iris.ndjson'], ['output', out.train.artifact], ['output', out.test.artifact], ['output', out.validation.artifact],
    ]);
  });

  it('gives the same split for the same seed, another for another seed', async () => {
    const split = async (seed: number) => {
      const result = await runStepForTest(splitStep, { dataset: { artifact: 'data/iris.ndjson' }, stratify: 'species', seed }, { artifacts });
      const out = outputsOf(result) as { train: { artifact: string }; test: { artifact: string } };
      return { train: result.artifacts[out.train.artifact]!.toString(), test: result.artifacts[out.test.artifact]!.toString() };
    };
    const first = await split(1);
    expect(await split(1)).toEqual(first);
    expect((await split(2)).test).not.toEqual(first.test);
    // Without stratification the share still holds, the classes are left to chance.
    const plain = await runStepForTest(splitStep, { dataset: { artifact: 'data/iris.ndjson' }, testSize: 0.3 }, { artifacts });
    expect(outputsOf(plain)).toMatchObject({ counts: { train: 105, test: 45, validation: 0 } });
    expect(outputsOf(plain)).not.toHaveProperty('validation');
  });

  it('refuses shares that leave nothing to train on, and a label that is not there', async () => {
    const tooMuch = await runStepForTest(splitStep, { dataset: { artifact: 'data/iris.ndjson' }, testSize: 0.6, validationSize: 0.4 }, { artifacts });
    expect(tooMuch).toMatchObject({ ok: false });
    expect(JSON.stringify(tooMuch)).toContain('validationSize');
    const noLabel = await runStepForTest(splitStep, { dataset: { artifact: 'data/iris.ndjson' }, stratify: 'kind' }, { artifacts });
    expect(noLabel).toMatchObject({ ok: false, error: { stepCode: 'invalid_dataset', message: expect.stringContaining('`kind`') } });
  });
});
