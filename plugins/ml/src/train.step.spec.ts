import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { IRIS_FEATURES, irisRows, ndjson, outputsOf } from './iris.test-data.js';
import type { ModelFile } from './model.js';
import { trainStep } from './train.step.js';

const rows = irisRows();
const artifacts = { 'data/iris.ndjson': ndjson(rows) };
const x = rows.map((r) => IRIS_FEATURES.map((f) => r[f]));
const features = [...IRIS_FEATURES];

async function train(input: Record<string, unknown>) {
  const result = await runStepForTest(trainStep, { dataset: { artifact: 'data/iris.ndjson' }, ...input }, { artifacts });
  outputsOf(result);
  const out = outputsOf(result) as { model: { artifact: string } };
  return { result, out, file: JSON.parse(result.artifacts[out.model.artifact].toString()) as ModelFile };
}

describe('ml/train', () => {
  it("fits a random forest classifier and saves the library's model with the features, classes and parameters", async () => {
    const { result, out, file } = await train({
      algorithm: 'random_forest_classifier',
      features,
      label: 'species',
      params: { nEstimators: 10, seed: 3 },
    });
    expect(out).toMatchObject({
      algorithm: 'random_forest_classifier',
      task: 'classification',
      trainingRows: 150,
      classes: ['setosa', 'versicolor', 'virginica'],
      params: { nEstimators: 10, seed: 3, maxFeatures: 1 },
    });
    expect(file).toMatchObject({
      kind: 'baton.ml/model',
      algorithm: 'random_forest_classifier',
      features,
      label: 'species',
      classes: ['setosa', 'versicolor', 'virginica'],
      trainedOn: { artifact: 'data/iris.ndjson' },
    });
    // The saved model is the library's: it loads with the library alone, and is the forest the same seed fits.
    const reference = new RandomForestClassifier({
      nEstimators: 10,
      seed: 3,
      maxFeatures: 1,
      replacement: true,
      useSampleBagging: true,
      noOOB: true,
    });
    reference.train(
      x,
      rows.map((r) => ['setosa', 'versicolor', 'virginica'].indexOf(r.species)),
    );
    expect(RandomForestClassifier.load(file.model as never).predict(x)).toEqual(reference.predict(x));
    expect(result.lineage).toEqual([
      { direction: 'input', namespace: 'baton-artifacts', name: 'data/iris.ndjson' },
      { direction: 'output', namespace: 'baton-artifacts', name: out.model.artifact },
    ]);
  });

  it('fits logistic regression, a forest regressor and linear regression', async () => {
    const logistic = await train({
      algorithm: 'logistic_regression',
      features,
      label: 'species',
      params: { numSteps: 2000, learningRate: 0.005 },
    });
    const classes = LogisticRegression.load(logistic.file.model).predict(new Matrix(x));
    const accuracy = classes.filter((c, i) => ['setosa', 'versicolor', 'virginica'][c] === rows[i].species).length / rows.length;
    expect(accuracy).toBeGreaterThan(0.8);

    const regressionFeatures = ['sepal_length', 'sepal_width', 'petal_length'];
    const xr = rows.map((r) => [r.sepal_length, r.sepal_width, r.petal_length]);
    const linear = await train({ algorithm: 'linear_regression', features: regressionFeatures, label: 'petal_width' });
    expect(linear.out).toMatchObject({ task: 'regression', params: { intercept: true } });
    expect(linear.out).not.toHaveProperty('classes');
    const direct = new MultivariateLinearRegression(
      xr,
      rows.map((r) => [r.petal_width]),
      { statistics: false },
    );
    expect(MultivariateLinearRegression.load(linear.file.model as never).predict(xr)).toEqual(direct.predict(xr));

    const forest = await train({
      algorithm: 'random_forest_regressor',
      features: regressionFeatures,
      label: 'petal_width',
      params: { nEstimators: 5 },
    });
    expect(RandomForestRegression.load(forest.file.model as never).predict(xr)).toHaveLength(150);
  });

  it('refuses unknown hyper-parameters, a label among the features, and rows that are not numbers', async () => {
    const badParam = await runStepForTest(
      trainStep,
      {
        dataset: { artifact: 'data/iris.ndjson' },
        algorithm: 'random_forest_classifier',
        features,
        label: 'species',
        params: { nEstimator: 5 },
      },
      { artifacts },
    );
    expect(badParam).toMatchObject({ ok: false, error: { stepCode: 'invalid_params', message: expect.stringContaining('nEstimator') } });
    const badValue = await runStepForTest(
      trainStep,
      {
        dataset: { artifact: 'data/iris.ndjson' },
        algorithm: 'logistic_regression',
        features,
        label: 'species',
        params: { learningRate: -1 },
      },
      { artifacts },
    );
    expect(badValue).toMatchObject({
      ok: false,
      error: { stepCode: 'invalid_params', message: expect.stringContaining('params.learningRate') },
    });
    const labelAsFeature = await runStepForTest(
      trainStep,
      { dataset: { artifact: 'data/iris.ndjson' }, algorithm: 'linear_regression', features: ['petal_width'], label: 'petal_width' },
      { artifacts },
    );
    expect(labelAsFeature).toMatchObject({ ok: false, error: { stepCode: 'invalid_input' } });
    const text = await runStepForTest(
      trainStep,
      { dataset: { artifact: 'data/iris.ndjson' }, algorithm: 'linear_regression', features: ['species'], label: 'petal_width' },
      { artifacts },
    );
    expect(text).toMatchObject({
      ok: false,
      error: { stepCode: 'invalid_dataset', message: 'data/iris.ndjson row 1: feature `species` is "setosa", not a number' },
    });
    const repeated = await runStepForTest(
      trainStep,
      {
        dataset: { artifact: 'data/iris.ndjson' },
        algorithm: 'linear_regression',
        features: ['sepal_length', 'sepal_length'],
        label: 'petal_width',
      },
      { artifacts },
    );
    expect(repeated).toMatchObject({ ok: false });
    expect(JSON.stringify(repeated)).toContain('features must not repeat a column');
    const algorithm = await runStepForTest(
      trainStep,
      { dataset: { artifact: 'data/iris.ndjson' }, algorithm: 'svm', features, label: 'species' },
      { artifacts },
    );
    expect(algorithm).toMatchObject({ ok: false });
  });
});
