import { RandomForestClassifier } from 'ml-random-forest';
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import { describe, expect, it } from 'vitest';
import { runStepForTest, type ModelVersionInfo } from '../../sdk/src/index.js';
import { IRIS_FEATURES, irisRows, ndjson, parseNdjson, outputsOf } from './iris.test-data.js';
import type { ModelFile } from './model.js';
import { predictStep } from './predict.step.js';
import { trainStep } from './train.step.js';

describe('ml/predict', () => {
  it("adds the model's predicted class to every row, as the library predicts it", async () => {
    const rows = irisRows();
    const fitted = await runStepForTest(
      trainStep,
      {
        dataset: { artifact: 'data/iris.ndjson' },
        algorithm: 'random_forest_classifier',
        features: [...IRIS_FEATURES],
        label: 'species',
        params: { nEstimators: 8, maxFeatures: 2 },
      },
      { artifacts: { 'data/iris.ndjson': ndjson(rows) } },
    );
    const model = (outputsOf(fitted) as { model: { artifact: string } }).model;
    const unlabelled = rows.map(({ species: _species, ...features }) => features);
    const result = await runStepForTest(
      predictStep,
      { model, dataset: { artifact: 'data/new.ndjson' }, column: 'predicted_species' },
      { artifacts: { ...fitted.artifacts, 'data/new.ndjson': ndjson(unlabelled) } },
    );
    outputsOf(result);
    const out = outputsOf(result) as { dataset: { artifact: string; rows: number }; count: number };
    expect(out).toMatchObject({ count: 150, dataset: { rows: 150 } });
    const file = JSON.parse(fitted.artifacts[model.artifact].toString()) as ModelFile;
    const expected = RandomForestClassifier.load(file.model as never)
      .predict(unlabelled.map((r) => IRIS_FEATURES.map((f) => r[f])))
      .map((c) => file.classes![c]);
    expect(parseNdjson(result.artifacts[out.dataset.artifact])).toEqual(
      unlabelled.map((r, i) => ({ ...r, predicted_species: expected[i] })),
    );
    expect(result.lineage.map((l) => l.direction)).toEqual(['input', 'input', 'output']);
  });

  it('replaces a column of that name where it stands, and takes any name as a column (even __proto__)', async () => {
    const rows = irisRows();
    const fitted = await runStepForTest(
      trainStep,
      {
        dataset: { artifact: 'data/iris.ndjson' },
        algorithm: 'linear_regression',
        features: ['sepal_length', 'petal_length'],
        label: 'petal_width',
      },
      { artifacts: { 'data/iris.ndjson': ndjson(rows) } },
    );
    const model = (outputsOf(fitted) as { model: { artifact: string } }).model;
    const file = JSON.parse(fitted.artifacts[model.artifact].toString()) as ModelFile;
    const values = MultivariateLinearRegression.load(file.model as never)
      .predict(rows.map((r) => [r.sepal_length, r.petal_length]))
      .map(([v]) => v);
    for (const column of ['sepal_width', '__proto__', 'prediction']) {
      const result = await runStepForTest(
        predictStep,
        { model, dataset: { artifact: 'data/iris.ndjson' }, column },
        { artifacts: fitted.artifacts },
      );
      const written = result.artifacts[(outputsOf(result) as { dataset: { artifact: string } }).dataset.artifact].toString();
      expect(written).toBe(ndjson(rows.map((row, i) => ({ ...row, [column]: values[i] }))));
    }
  });

  it('uses a registered model by name and stage (production by default), and names the version it used', async () => {
    const rows = irisRows();
    const artifacts: Record<string, Buffer | string> = { 'data/iris.ndjson': ndjson(rows) };
    const fit = async (runId: string, params: Record<string, unknown>) => {
      const fitted = await runStepForTest(
        trainStep,
        {
          dataset: { artifact: 'data/iris.ndjson' },
          algorithm: 'random_forest_classifier',
          features: [...IRIS_FEATURES],
          label: 'species',
          params,
        },
        { artifacts, runId },
      );
      Object.assign(artifacts, fitted.artifacts);
      return (outputsOf(fitted) as { model: { artifact: string } }).model.artifact;
    };
    const [good, stump] = [
      await fit('good', { nEstimators: 8, maxFeatures: 2 }),
      await fit('stump', { nEstimators: 1, treeOptions: { maxDepth: 1 } }),
    ];
    expect(good).not.toBe(stump);
    const version = (n: number, artifact: string, stage: ModelVersionInfo['stage']): ModelVersionInfo => ({
      name: 'iris',
      version: n,
      stage,
      metrics: {},
      params: {},
      dataset: null,
      artifact,
      algorithm: null,
      task: null,
      runId: null,
      stepId: null,
      createdAt: '2026-01-01T00:00:00Z',
    });
    const models = [version(1, stump, 'archived'), version(2, good, 'production'), version(3, stump, 'staging')];
    const dataset = { artifact: 'data/iris.ndjson' };
    const production = await runStepForTest(predictStep, { model: { name: 'iris' }, dataset }, { artifacts, models });
    expect(outputsOf(production)).toMatchObject({ count: 150, model: { name: 'iris', version: 2, stage: 'production', artifact: good } });
    const byArtifact = await runStepForTest(predictStep, { model: { artifact: good }, dataset }, { artifacts });
    expect(production.artifacts[(outputsOf(production) as { dataset: { artifact: string } }).dataset.artifact]).toEqual(
      byArtifact.artifacts[(outputsOf(byArtifact) as { dataset: { artifact: string } }).dataset.artifact],
    );
    const staging = await runStepForTest(predictStep, { model: { name: 'iris', stage: 'staging' }, dataset }, { artifacts, models });
    expect(outputsOf(staging)).toMatchObject({ model: { version: 3, artifact: stump } });
    expect(await runStepForTest(predictStep, { model: { name: 'other' }, dataset }, { artifacts, models })).toMatchObject({
      ok: false,
      error: { stepCode: 'no_model_version' },
    });
    expect(await runStepForTest(predictStep, { model: { name: 'iris', artifact: good }, dataset }, { artifacts, models })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
  });
});
