import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { RandomForestClassifier } from 'ml-random-forest';
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import { describe, expect, it } from 'vitest';
import { runStepForTest, type StepTestResult } from '../../sdk/src/index.js';
import { evaluateStep } from './evaluate.step.js';
import { IRIS_FEATURES, irisRows, ndjson, parseNdjson, type IrisRow, outputsOf } from './iris.test-data.js';
import type { ModelFile } from './model.js';
import { splitStep } from './split.step.js';
import { trainStep } from './train.step.js';

const CLASSES = ['setosa', 'versicolor', 'virginica'];

/** Iris split 70/30 by species, and a model trained on the train set: the artifacts and keys the steps left. */
async function trained(input: Record<string, unknown>) {
  const split = await runStepForTest(
    splitStep,
    { dataset: { artifact: 'data/iris.ndjson' }, testSize: 0.3, stratify: 'species', seed: 11 },
    { artifacts: { 'data/iris.ndjson': ndjson(irisRows()) } },
  );
  const { train, test } = outputsOf(split) as { train: { artifact: string }; test: { artifact: string } };
  const fitted = await runStepForTest(trainStep, { dataset: train, ...input }, { artifacts: split.artifacts });
  outputsOf(fitted);
  const model = (outputsOf(fitted) as { model: { artifact: string } }).model;
  return {
    artifacts: fitted.artifacts,
    train,
    test,
    model,
    testRows: parseNdjson<IrisRow>(fitted.artifacts[test.artifact]),
    file: JSON.parse(fitted.artifacts[model.artifact].toString()) as ModelFile,
  };
}

/** Classification metrics by their definitions, from actual and predicted class names and each class's scores. */
function byHand(actual: string[], predicted: string[], scores: number[][]) {
  const confusion = CLASSES.map((a) => CLASSES.map((p) => actual.filter((x, i) => x === a && predicted[i] === p).length));
  const perClass = CLASSES.map((c, k) => {
    const tp = confusion[k][k];
    const fp = CLASSES.reduce((sum, _, a) => sum + (a === k ? 0 : confusion[a][k]), 0);
    const fn = CLASSES.reduce((sum, _, p) => sum + (p === k ? 0 : confusion[k][p]), 0);
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    // AUC by brute force: over every (positive, negative) pair, 1 if the positive scores higher, ½ on a tie.
    const positives = scores.filter((_, i) => actual[i] === c).map((s) => s[k]);
    const negatives = scores.filter((_, i) => actual[i] !== c).map((s) => s[k]);
    let wins = 0;
    for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
    return {
      precision,
      recall,
      f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
      auc: wins / (positives.length * negatives.length),
    };
  });
  const mean = (pick: (m: (typeof perClass)[number]) => number) => perClass.reduce((sum, m) => sum + pick(m), 0) / perClass.length;
  return {
    metrics: {
      accuracy: actual.filter((a, i) => a === predicted[i]).length / actual.length,
      precision: mean((m) => m.precision),
      recall: mean((m) => m.recall),
      f1: mean((m) => m.f1),
      rocAuc: mean((m) => m.auc),
    },
    confusion,
  };
}

function expectClose(reported: Record<string, unknown>, expected: Record<string, number>) {
  for (const [name, value] of Object.entries(expected)) expect(reported[name], name).toBeCloseTo(value, 12);
}

async function evaluate(setup: Awaited<ReturnType<typeof trained>>, dataset = setup.test): Promise<StepTestResult> {
  return runStepForTest(evaluateStep, { model: setup.model, dataset }, { artifacts: setup.artifacts });
}

describe('ml/evaluate', () => {
  it("reports a random forest's metrics on the held-out Iris rows as computed by hand from the library's own predictions", async () => {
    const setup = await trained({
      algorithm: 'random_forest_classifier',
      features: [...IRIS_FEATURES],
      label: 'species',
      params: { nEstimators: 15, seed: 5, maxFeatures: 0.5 },
    });
    const result = await evaluate(setup);
    outputsOf(result);
    const forest = RandomForestClassifier.load(setup.file.model as never);
    const x = setup.testRows.map((r) => IRIS_FEATURES.map((f) => r[f]));
    const predicted = forest.predict(x).map((c) => CLASSES[c]);
    // Each class's score: the share of trees voting for it.
    const votes = forest.predictionValues(x).to2DArray();
    const scores = votes.map((v) => CLASSES.map((_, k) => v.filter((c) => c === k).length / v.length));
    const expected = byHand(
      setup.testRows.map((r) => r.species),
      predicted,
      scores,
    );
    const out = outputsOf(result) as {
      metrics: Record<string, number>;
      confusionMatrix: { labels: string[]; matrix: number[][] };
      rows: number;
    };
    expect(out).toMatchObject({ task: 'classification', algorithm: 'random_forest_classifier', rows: 45 });
    expectClose(out.metrics, expected.metrics);
    expect(out.confusionMatrix).toEqual({ labels: CLASSES, matrix: expected.confusion });
    expect(result.metrics.map((m) => m.name)).toEqual(['ml_accuracy', 'ml_precision', 'ml_recall', 'ml_f1', 'ml_rocAuc']);
    expect(result.metrics.find((m) => m.name === 'ml_accuracy')!.value).toBe(out.metrics.accuracy);
    expect(result.lineage.map((l) => [l.direction, l.name])).toEqual([
      ['input', setup.model.artifact],
      ['input', setup.test.artifact],
    ]);
  });

  it("reports logistic regression's metrics, its class scores from the one-vs-rest classifiers", async () => {
    const setup = await trained({
      algorithm: 'logistic_regression',
      features: [...IRIS_FEATURES],
      label: 'species',
      params: { numSteps: 3000, learningRate: 0.002 },
    });
    const result = await evaluate(setup);
    outputsOf(result);
    const model = LogisticRegression.load(setup.file.model);
    const x = new Matrix(setup.testRows.map((r) => IRIS_FEATURES.map((f) => r[f])));
    const predicted = model.predict(x).map((c) => CLASSES[c]);
    // Classifier k is trained with class k as 0: its score for class k is 1 - testScores, normalised over the classes.
    const perClass = model.classifiers.map((c) => c.testScores(x));
    const scores = setup.testRows.map((_, i) => {
      const raw = CLASSES.map((__, k) => 1 - perClass[k][i]);
      return raw.map((p) => p / raw.reduce((a, b) => a + b));
    });
    const expected = byHand(
      setup.testRows.map((r) => r.species),
      predicted,
      scores,
    );
    const out = outputsOf(result) as { metrics: Record<string, number>; confusionMatrix: { matrix: number[][] } };
    expectClose(out.metrics, expected.metrics);
    expect(out.confusionMatrix.matrix).toEqual(expected.confusion);
    expect(out.metrics.accuracy).toBeGreaterThan(0.7);
    expect(out.metrics.rocAuc).toBeGreaterThan(0.8);
  });

  it("reports a regressor's RMSE, MAE and R² as computed by hand", async () => {
    const features = ['sepal_length', 'sepal_width', 'petal_length'];
    const setup = await trained({ algorithm: 'linear_regression', features, label: 'petal_width' });
    const result = await evaluate(setup);
    outputsOf(result);
    const predicted = MultivariateLinearRegression.load(setup.file.model as never)
      .predict(setup.testRows.map((r) => [r.sepal_length, r.sepal_width, r.petal_length]))
      .map(([v]) => v);
    const actual = setup.testRows.map((r) => r.petal_width);
    const n = actual.length;
    const mean = actual.reduce((a, b) => a + b) / n;
    const sse = actual.reduce((sum, a, i) => sum + (a - predicted[i]) ** 2, 0);
    const out = outputsOf(result) as { metrics: Record<string, number> };
    expect(outputsOf(result)).toMatchObject({ task: 'regression', rows: n });
    expect(outputsOf(result)).not.toHaveProperty('confusionMatrix');
    expectClose(out.metrics, {
      rmse: Math.sqrt(sse / n),
      mae: actual.reduce((sum, a, i) => sum + Math.abs(a - predicted[i]), 0) / n,
      r2: 1 - sse / actual.reduce((sum, a) => sum + (a - mean) ** 2, 0),
    });
    expect(out.metrics.r2).toBeGreaterThan(0.8);
  });

  it('refuses the training data, under its own key or another', async () => {
    const setup = await trained({ algorithm: 'linear_regression', features: ['sepal_length'], label: 'petal_width' });
    expect(await evaluate(setup, setup.train)).toMatchObject({ ok: false, error: { stepCode: 'training_data', retryable: false } });
    const copy = { ...setup, artifacts: { ...setup.artifacts, 'data/copy.ndjson': setup.artifacts[setup.train.artifact] } };
    expect(await evaluate(copy, { artifact: 'data/copy.ndjson' })).toMatchObject({ ok: false, error: { stepCode: 'training_data' } });
    const notModel = await runStepForTest(evaluateStep, { model: setup.test, dataset: setup.test }, { artifacts: setup.artifacts });
    expect(notModel).toMatchObject({ ok: false, error: { stepCode: 'invalid_model' } });
  });
});
