import { MersenneTwister19937, shuffle } from 'random-js';
import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { irisRows, ndjson, parseNdjson, type IrisRow, outputsOf } from './iris.test-data.js';
import { splitStep } from './split.step.js';

const artifacts = { 'data/iris.ndjson': ndjson(irisRows()) };
const count = (rows: IrisRow[], species: string) => rows.filter((r) => r.species === species).length;

/**
 * The split as specified, written plainly: row numbers grouped by class in order of first appearance
 * (one group without stratify), each group shuffled in turn by one seeded Mersenne Twister and cut
 * into test, validation and train; each part in row order.
 */
function specifiedSplit(
  labels: readonly string[] | undefined,
  rowCount: number,
  { testSize, validationSize, seed }: { testSize: number; validationSize: number; seed: number },
) {
  const engine = MersenneTwister19937.seed(seed);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < rowCount; i++) {
    const key = labels ? JSON.stringify(labels[i]) : '';
    groups.set(key, (groups.get(key) ?? []).concat(i));
  }
  const part = { train: [] as number[], test: [] as number[], validation: [] as number[] };
  for (const indexes of groups.values()) {
    const shuffled = shuffle(engine, [...indexes]);
    const test = Math.round(shuffled.length * testSize);
    const validation = Math.round(shuffled.length * validationSize);
    part.test = part.test.concat(shuffled.slice(0, test));
    part.validation = part.validation.concat(shuffled.slice(test, test + validation));
    part.train = part.train.concat(shuffled.slice(test + validation));
  }
  const inOrder = (indexes: number[]) => [...indexes].sort((a, b) => a - b);
  return { train: inOrder(part.train), test: inOrder(part.test), validation: inOrder(part.validation) };
}

describe('ml/split', () => {
  it('cuts Iris into stratified train, validation and test sets that together hold every row once', async () => {
    const result = await runStepForTest(
      splitStep,
      { dataset: { artifact: 'data/iris.ndjson' }, testSize: 0.2, validationSize: 0.1, stratify: 'species', seed: 7 },
      { artifacts },
    );
    outputsOf(result);
    const out = outputsOf(result) as {
      train: { artifact: string; rows: number };
      test: { artifact: string; rows: number };
      validation: { artifact: string; rows: number };
      counts: Record<string, number>;
    };
    expect(out.counts).toEqual({ train: 105, test: 30, validation: 15 });
    const [train, test, validation] = [out.train, out.test, out.validation].map((ref) =>
      parseNdjson<IrisRow>(result.artifacts[ref.artifact]),
    );
    expect([train.length, test.length, validation.length]).toEqual([105, 30, 15]);
    for (const species of ['setosa', 'versicolor', 'virginica']) {
      expect([count(train, species), count(test, species), count(validation, species)]).toEqual([35, 10, 5]);
    }
    const key = (r: IrisRow) => JSON.stringify(r);
    expect([...train, ...test, ...validation].map(key).sort()).toEqual(irisRows().map(key).sort());
    expect(result.lineage.map((l) => [l.direction, l.name])).toEqual([
      ['input', 'data/iris.ndjson'],
      ['output', out.train.artifact],
      ['output', out.test.artifact],
      ['output', out.validation.artifact],
    ]);
  });

  it('gives the same split for the same seed, another for another seed', async () => {
    const split = async (seed: number) => {
      const result = await runStepForTest(
        splitStep,
        { dataset: { artifact: 'data/iris.ndjson' }, stratify: 'species', seed },
        { artifacts },
      );
      const out = outputsOf(result) as { train: { artifact: string }; test: { artifact: string } };
      return { train: result.artifacts[out.train.artifact].toString(), test: result.artifacts[out.test.artifact].toString() };
    };
    const first = await split(1);
    expect(await split(1)).toEqual(first);
    expect((await split(2)).test).not.toEqual(first.test);
    // Without stratification the share still holds, the classes are left to chance.
    const plain = await runStepForTest(splitStep, { dataset: { artifact: 'data/iris.ndjson' }, testSize: 0.3 }, { artifacts });
    expect(outputsOf(plain)).toMatchObject({ counts: { train: 105, test: 45, validation: 0 } });
    expect(outputsOf(plain)).not.toHaveProperty('validation');
  });

  it('splits larger datasets exactly as specified, with and without stratify', async () => {
    const labels = Array.from({ length: 5_000 }, (_, i) => ['b', 'a', 'c', 'a'][(i * 7919) % 4]);
    const data = { 'data/big.ndjson': ndjson(labels.map((kind, i) => ({ i, kind }))) };
    for (const options of [
      { testSize: 0.2, validationSize: 0, seed: 42 },
      { testSize: 0.25, validationSize: 0.15, seed: -3 },
    ]) {
      for (const stratify of ['kind', undefined]) {
        const result = await runStepForTest(
          splitStep,
          { dataset: { artifact: 'data/big.ndjson' }, ...options, ...(stratify && { stratify }) },
          { artifacts: data },
        );
        const out = outputsOf(result) as Record<'train' | 'test' | 'validation', { artifact: string } | undefined>;
        const indexes = (ref: { artifact: string } | undefined) =>
          ref ? parseNdjson<{ i: number }>(result.artifacts[ref.artifact]).map((row) => row.i) : [];
        expect({ train: indexes(out.train), test: indexes(out.test), validation: indexes(out.validation) }).toEqual(
          specifiedSplit(stratify ? labels : undefined, labels.length, options),
        );
      }
    }
  });

  it('splits 200,000 rows in one group (more indexes than a call takes arguments)', async () => {
    const data = { 'data/long.ndjson': ndjson(Array.from({ length: 200_000 }, (_, i) => ({ i }))) };
    const result = await runStepForTest(splitStep, { dataset: { artifact: 'data/long.ndjson' } }, { artifacts: data });
    expect(outputsOf(result)).toMatchObject({ counts: { train: 160_000, test: 40_000, validation: 0 } });
  });

  it('refuses shares that leave nothing to train on, and a label that is not there', async () => {
    const tooMuch = await runStepForTest(
      splitStep,
      { dataset: { artifact: 'data/iris.ndjson' }, testSize: 0.6, validationSize: 0.4 },
      { artifacts },
    );
    expect(tooMuch).toMatchObject({ ok: false });
    expect(JSON.stringify(tooMuch)).toContain('validationSize');
    const noLabel = await runStepForTest(splitStep, { dataset: { artifact: 'data/iris.ndjson' }, stratify: 'kind' }, { artifacts });
    expect(noLabel).toMatchObject({ ok: false, error: { stepCode: 'invalid_dataset', message: expect.stringContaining('`kind`') } });
  });
});
