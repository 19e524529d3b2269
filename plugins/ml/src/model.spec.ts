import { RandomForestClassifier } from 'ml-random-forest';
import { MersenneTwister19937, Random } from 'random-js';
import { describe, expect, it } from 'vitest';
import { fit, load, parseParams, type ModelFile } from './model.js';

describe('random forest classifier', () => {
  it("predicts the library's class and the share of trees voting for each class, ties included", () => {
    const random = new Random(MersenneTwister19937.seed(11));
    const x = Array.from({ length: 300 }, () => [random.real(0, 1), random.real(0, 1), random.real(0, 1)]);
    const y = x.map(([a, b]) => (a + b + random.real(-0.3, 0.3) < 0.8 ? 0 : a > b ? 1 : 2));
    // An even number of trees over three classes: some rows get tied votes, where the library's choice decides.
    const fitted = fit(
      'random_forest_classifier',
      parseParams('random_forest_classifier', { nEstimators: 4, maxFeatures: 2, seed: 9 }),
      x,
      y,
    );
    const file = { algorithm: 'random_forest_classifier', classes: ['a', 'b', 'c'], model: fitted.toJSON() } as ModelFile;
    const library = RandomForestClassifier.load(file.model as never);
    const votes = library.predictionValues(x).to2DArray();
    expect(votes.some((v) => new Set(v).size === 2 && v.filter((c) => c === v[0]).length === 2)).toBe(true);
    expect(load(file).predict(x)).toEqual({
      values: library.predict(x),
      probabilities: votes.map((v) => [0, 1, 2].map((k) => v.filter((c) => c === k).length / v.length)),
    });
  });

  it('fits more rows than a call takes arguments', () => {
    const x = Array.from({ length: 150_000 }, (_, i) => [i]);
    const y = x.map(([i]) => (i < 75_000 ? 0 : 1));
    const fitted = fit(
      'random_forest_classifier',
      parseParams('random_forest_classifier', { nEstimators: 1, treeOptions: { maxDepth: 1 } }),
      x,
      y,
    );
    expect(fitted.predict([[10], [149_000]]).probabilities).toHaveLength(2);
  });
});
