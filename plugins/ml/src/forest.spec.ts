import { readFileSync } from 'node:fs';
import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import { MersenneTwister19937, Random } from 'random-js';
import { describe, expect, it } from 'vitest';
import { fitForest, fitsForest, type ForestOptions } from './forest.js';
import { IRIS_FEATURES, irisRows } from './iris.test-data.js';
import { fit, load, modelFileSchema, parseParams } from './model.js';

/** Rows of four features rounded to `decimals` (one decimal: many ties), a class 0–2 and a value. */
function dataset(rows: number, decimals: number, seed: number) {
  const random = new Random(MersenneTwister19937.seed(seed));
  const round = (v: number) => Math.round(v * 10 ** decimals) / 10 ** decimals;
  const x = Array.from({ length: rows }, () => Array.from({ length: 4 }, () => round(random.real(0, 1))));
  const classes = x.map(([a, b, c]) => (a + b + random.real(-0.3, 0.3) < 0.8 ? 0 : a > c ? 1 : 2));
  const values = x.map(([a, b, c, d]) => round(a * 3 - b + c * d + random.real(-0.2, 0.2)));
  return { x, classes, values };
}

/** Three Gaussian classes in 10 features whose means differ by class, as bench:ml's data; a value mixing the features. */
function gaussian(rows: number, seed: number) {
  const population = new Random(MersenneTwister19937.seed(1));
  const means = Array.from({ length: 3 }, () => Array.from({ length: 10 }, () => population.real(-1.5, 1.5)));
  const weights = Array.from({ length: 10 }, () => population.real(-2, 2));
  const random = new Random(MersenneTwister19937.seed(seed));
  const normal = () =>
    Math.sqrt(-2 * Math.log(1 - random.realZeroToOneExclusive())) * Math.cos(2 * Math.PI * random.realZeroToOneExclusive());
  const classes = Array.from({ length: rows }, () => random.integer(0, 2));
  const x = classes.map((k) => means[k].map((mean) => Math.round((mean + normal()) * 1e4) / 1e4));
  const values = x.map((row) => row.reduce((sum, v, j) => sum + weights[j] * v, normal() * 0.5));
  return { x, classes, values };
}

const OPTIONS: ForestOptions[] = [
  { nEstimators: 4, maxFeatures: 1, replacement: true, useSampleBagging: true, seed: 42, treeOptions: {} },
  { nEstimators: 4, maxFeatures: 0.5, replacement: false, useSampleBagging: true, seed: 7, treeOptions: { maxDepth: 4 } },
  { nEstimators: 2, maxFeatures: 3, replacement: true, useSampleBagging: false, seed: -3, treeOptions: { minNumSamples: 1 } },
];

describe(fitForest.name, () => {
  describe.each([1, 2, 4])('on 200 rows of %i-decimal features', (decimals) => {
    const { x, classes, values } = dataset(200, decimals, decimals);

    it.each(OPTIONS)('fits the classifier ml-random-forest fits, byte for byte (%o)', (options) => {
      const library = new RandomForestClassifier({ ...options, noOOB: true });
      library.train(x, classes);
      expect(JSON.stringify(fitForest('classifier', options, x, classes))).toBe(JSON.stringify(library.toJSON()));
    });

    it.each(OPTIONS)('fits the regressor ml-random-forest fits, byte for byte (%o)', (given) => {
      const options = { ...given, selectionMethod: 'median' as const };
      const library = new RandomForestRegression({ ...options, noOOB: true });
      library.train(x, values);
      expect(JSON.stringify(fitForest('regression', options, x, values))).toBe(JSON.stringify(library.toJSON()));
    });
  });

  it("refuses the library's maxFeatures it cannot take, as the library does", () => {
    const { x, classes } = dataset(20, 2, 1);
    expect(() => fitForest('classifier', { ...OPTIONS[0], maxFeatures: 5 }, x, classes)).toThrow(
      'The maxFeatures parameter should be less than 4',
    );
    expect(() => fitForest('classifier', { ...OPTIONS[0], maxFeatures: 1.5 }, x, classes)).toThrow(
      'Cannot process the maxFeatures parameter 1.5',
    );
  });

  it('leaves to the library a regression tree scored by Gini, which ml-cart also takes', () => {
    expect(fitsForest('regression', { gainFunction: 'gini' })).toBe(false);
    expect(fitsForest('regression', {})).toBe(true);
    expect(fitsForest('classifier', { gainFunction: 'gini', maxDepth: 3 })).toBe(true);
  });
});

describe('random forests at bench:ml sizes', () => {
  // ml-random-forest's own training takes minutes at this size (its split search is quadratic in rows): the
  // test's time limit fails it. The thresholds are just under this seed's figures (0.94 and 0.54).
  const train = gaussian(6_400, 8);
  const test = gaussian(1_600, 9);
  const params = { nEstimators: 25, maxFeatures: 0.5, seed: 42 };

  it('fits a classifier on 6,400 rows that is right on 93% or more of held-out rows', { timeout: 30_000 }, () => {
    const model = fit('random_forest_classifier', parseParams('random_forest_classifier', params), train.x, train.classes);
    const { values } = model.predict(test.x);
    expect(values.filter((v, i) => v === test.classes[i]).length / test.x.length).toBeGreaterThanOrEqual(0.93);
  });

  it('fits a regressor on 6,400 rows with an R² of 0.53 or more on held-out rows', { timeout: 30_000 }, () => {
    const model = fit('random_forest_regressor', parseParams('random_forest_regressor', params), train.x, train.values);
    const { values } = model.predict(test.x);
    const mean = test.values.reduce((sum, v) => sum + v, 0) / test.values.length;
    const residual = test.values.reduce((sum, v, i) => sum + (v - values[i]) ** 2, 0);
    const total = test.values.reduce((sum, v) => sum + (v - mean) ** 2, 0);
    expect(1 - residual / total).toBeGreaterThanOrEqual(0.53);
  });
});

describe('forest models saved by ml 1.3.0 (trained by ml-random-forest itself)', () => {
  const iris = irisRows();
  it.each(['random_forest_classifier', 'random_forest_regressor'])('%s still loads and predicts as the library does', (algorithm) => {
    const file = modelFileSchema.parse(
      JSON.parse(readFileSync(new URL(`../../../test/fixtures/ml/${algorithm}.ml-1.3.0.json`, import.meta.url), 'utf8')),
    );
    const x = iris.map((row) => file.features.map((feature) => row[feature as (typeof IRIS_FEATURES)[number]]));
    const library =
      algorithm === 'random_forest_classifier'
        ? RandomForestClassifier.load(file.model as never)
        : RandomForestRegression.load(file.model as never);
    expect(load(file).predict(x).values).toEqual(library.predict(x));
    // The same parameters on the same rows fit the same model today.
    const y =
      algorithm === 'random_forest_classifier'
        ? iris.map((row) => file.classes!.indexOf(row.species))
        : iris.map((row) => row[file.label as (typeof IRIS_FEATURES)[number]]);
    expect(JSON.parse(JSON.stringify(fit(file.algorithm, file.params, x, y).toJSON()))).toEqual(file.model);
  });
});
