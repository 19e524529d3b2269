import { describe, expect, it } from 'vitest';
import { runStepForTest, type ModelVersionInfo } from '../../sdk/src/index.js';
import { compareStep } from './compare.step.js';
import { evaluateStep } from './evaluate.step.js';
import { IRIS_FEATURES, irisRows, ndjson, outputsOf } from './iris.test-data.js';
import { registerStep } from './register.step.js';
import { splitStep } from './split.step.js';
import { trainStep } from './train.step.js';

const GOOD = { nEstimators: 25, maxFeatures: 0.5, seed: 42 };
const POOR = { nEstimators: 1, maxFeatures: 1, seed: 42, treeOptions: { maxDepth: 1 } };

/** Iris split 70/30, a good and a poor forest and a linear regression (petal width from the rest) trained on the train set. */
async function setup() {
  const split = await runStepForTest(
    splitStep,
    { dataset: { artifact: 'data/iris.ndjson' }, testSize: 0.3, stratify: 'species', seed: 7 },
    { artifacts: { 'data/iris.ndjson': ndjson(irisRows()) } },
  );
  const { train, test } = outputsOf(split) as { train: { artifact: string }; test: { artifact: string } };
  let artifacts = split.artifacts;
  const fit = async (key: string, input: Record<string, unknown>) => {
    const result = await runStepForTest(trainStep, { dataset: train, ...input }, { artifacts, runId: key });
    artifacts = result.artifacts;
    return (outputsOf(result) as { model: { artifact: string } }).model;
  };
  const good = await fit('good', { algorithm: 'random_forest_classifier', features: [...IRIS_FEATURES], label: 'species', params: GOOD });
  const poor = await fit('poor', { algorithm: 'random_forest_classifier', features: [...IRIS_FEATURES], label: 'species', params: POOR });
  const linear = await fit('linear', {
    algorithm: 'linear_regression',
    features: ['sepal_length', 'sepal_width', 'petal_length'],
    label: 'petal_width',
  });
  const noisy = await fit('noisy', {
    algorithm: 'random_forest_regressor',
    features: ['sepal_width'],
    label: 'petal_width',
    params: { nEstimators: 1, treeOptions: { maxDepth: 1 } },
  });
  const score = async (model: { artifact: string }) =>
    (outputsOf(await runStepForTest(evaluateStep, { model, dataset: test }, { artifacts })) as { metrics: Record<string, number> }).metrics;
  return { artifacts, test, good, poor, linear, noisy, score };
}
const shared = setup();

function version(name: string, n: number, artifact: string, stage: ModelVersionInfo['stage']): ModelVersionInfo {
  return {
    name,
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
  };
}

describe('ml/register', () => {
  it('registers the model artifact with the evaluate metrics (nulls left out), its params and algorithm, and the training data as lineage', async () => {
    const { artifacts, good, score } = await shared;
    const metrics = { ...(await score(good)), rocAuc: null };
    const result = await runStepForTest(
      registerStep,
      { name: 'iris', model: good, metrics },
      { artifacts, models: [version('iris', 1, 'old.json', 'production')] },
    );
    expect(outputsOf(result)).toEqual({ name: 'iris', version: 2 });
    const { rocAuc: _null, ...numbers } = metrics;
    expect(result.models[1]).toMatchObject({
      name: 'iris',
      version: 2,
      stage: 'none',
      artifact: good.artifact,
      metrics: numbers,
      algorithm: 'random_forest_classifier',
      task: 'classification',
      params: { ...GOOD, maxFeatures: 0.5, nEstimators: 25 },
      dataset: { artifact: expect.stringContaining('train'), digest: expect.stringMatching(/^sha256:/) },
    });
    const withDataset = await runStepForTest(
      registerStep,
      { name: 'iris', model: good, metrics: numbers, dataset: { artifact: 'datasets/iris.ndjson' } },
      { artifacts },
    );
    expect(withDataset.models[0].dataset).toEqual({ artifact: 'datasets/iris.ndjson' });
  });

  it('refuses a bad model name and an artifact that is not a model', async () => {
    const { artifacts, good } = await shared;
    expect((await runStepForTest(registerStep, { name: 'no spaces', model: good, metrics: {} }, { artifacts })).ok).toBe(false);
    const notModel = await runStepForTest(
      registerStep,
      { name: 'iris', model: { artifact: 'data/iris.ndjson' }, metrics: {} },
      { artifacts },
    );
    expect(notModel).toMatchObject({ ok: false, error: { stepCode: 'invalid_model' } });
  });
});

describe('ml/compare', () => {
  it('a better challenger wins over the champion on the same held-out data, and promote: true makes it production', async () => {
    const { artifacts, test, good, poor, score } = await shared;
    const [goodScore, poorScore] = [(await score(good)).accuracy, (await score(poor)).accuracy];
    expect(goodScore - poorScore).toBeGreaterThan(0.2);
    const result = await runStepForTest(
      compareStep,
      { name: 'iris', challenger: { version: 2 }, dataset: test, metric: 'accuracy', margin: 0.01, promote: true },
      {
        artifacts,
        models: [version('iris', 1, poor.artifact, 'production'), version('iris', 2, good.artifact, 'none')],
      },
    );
    expect(outputsOf(result)).toEqual({
      decision: 'promote',
      metric: 'accuracy',
      promoted: true,
      champion: { version: 1, artifact: poor.artifact, score: poorScore },
      challenger: { version: 2, artifact: good.artifact, score: goodScore },
    });
    expect(result.models.map((v) => [v.version, v.stage])).toEqual([
      [1, 'archived'],
      [2, 'production'],
    ]);
    // The verdict is kept with the model, for its page in the registry.
    expect(result.comparisons).toEqual([
      {
        name: 'iris',
        metric: 'accuracy',
        margin: 0.01,
        decision: 'promote',
        promoted: true,
        champion: { version: 1, score: poorScore },
        challenger: { version: 2, artifact: good.artifact, score: goodScore },
      },
    ]);
  });

  it('records no verdict for a model the registry does not hold, and still answers it', async () => {
    const { artifacts, test, good } = await shared;
    const result = await runStepForTest(compareStep, { name: 'unregistered', challenger: good, dataset: test }, { artifacts });
    expect(outputsOf(result)).toMatchObject({ decision: 'promote', champion: null, promoted: false });
    expect(result.comparisons).toEqual([]);
  });

  it('promotes only over the champion it was compared with: when another run promoted meanwhile, it compares again with the new one', async () => {
    const { artifacts, test, good, poor, score } = await shared;
    const [goodScore, poorScore] = [(await score(good)).accuracy, (await score(poor)).accuracy];
    // The challenger (version 3, the good forest again) beats version 1; just before it promotes,
    // another run makes version 2 (as good) production. Against version 2 it does not win: kept out.
    const result = await runStepForTest(
      compareStep,
      { name: 'iris', challenger: { version: 3 }, dataset: test, promote: true },
      {
        artifacts,
        models: [
          version('iris', 1, poor.artifact, 'production'),
          version('iris', 2, good.artifact, 'none'),
          version('iris', 3, good.artifact, 'none'),
        ],
        beforeModelCall: (call, registry) => {
          if (call.op !== 'promote' || registry[1].stage === 'production') return;
          registry[0].stage = 'archived';
          registry[1].stage = 'production';
        },
      },
    );
    expect(outputsOf(result)).toEqual({
      decision: 'keep',
      metric: 'accuracy',
      promoted: false,
      champion: { version: 2, artifact: good.artifact, score: goodScore },
      challenger: { version: 3, artifact: good.artifact, score: goodScore },
    });
    expect(goodScore).toBeGreaterThan(poorScore);
    expect(result.models.map((v) => [v.version, v.stage])).toEqual([
      [1, 'archived'],
      [2, 'production'],
      [3, 'none'],
    ]);
  });

  it('a worse challenger loses: keep, and nothing is promoted even with promote: true', async () => {
    const { artifacts, test, good, poor } = await shared;
    const result = await runStepForTest(
      compareStep,
      { name: 'iris', challenger: { ...poor, version: 2 }, dataset: test, promote: true },
      {
        artifacts,
        models: [version('iris', 1, good.artifact, 'production'), version('iris', 2, poor.artifact, 'none')],
      },
    );
    expect(outputsOf(result)).toMatchObject({ decision: 'keep', promoted: false, champion: { version: 1 }, challenger: { version: 2 } });
    expect(result.comparisons).toMatchObject([
      { name: 'iris', decision: 'keep', promoted: false, champion: { version: 1 }, challenger: { version: 2 } },
    ]);
    expect(result.models.map((v) => [v.version, v.stage])).toEqual([
      [1, 'production'],
      [2, 'none'],
    ]);
  });

  it('a challenger better by no more than the margin (or tied) is kept out', async () => {
    const { artifacts, test, good, poor, score } = await shared;
    const gain = (await score(good)).accuracy - (await score(poor)).accuracy;
    const models = [version('iris', 1, poor.artifact, 'production'), version('iris', 2, good.artifact, 'none')];
    const within = await runStepForTest(
      compareStep,
      { name: 'iris', challenger: { version: 2 }, dataset: test, margin: gain, promote: true },
      { artifacts, models },
    );
    expect(outputsOf(within)).toMatchObject({ decision: 'keep', promoted: false });
    const tie = await runStepForTest(
      compareStep,
      { name: 'iris', challenger: { artifact: poor.artifact }, dataset: test },
      { artifacts, models },
    );
    expect(outputsOf(tie)).toMatchObject({
      decision: 'keep',
      champion: { score: (await score(poor)).accuracy },
      challenger: { score: (await score(poor)).accuracy },
    });
    const beyond = await runStepForTest(
      compareStep,
      { name: 'iris', challenger: { version: 2 }, dataset: test, margin: gain - 1e-9 },
      { artifacts, models },
    );
    expect(outputsOf(beyond)).toMatchObject({ decision: 'promote', promoted: false });
    expect(beyond.models.map((v) => v.stage)).toEqual(['production', 'none']);
  });

  it('with no champion the challenger wins; an unregistered challenger cannot be promoted', async () => {
    const { artifacts, test, poor } = await shared;
    const first = await runStepForTest(
      compareStep,
      { name: 'iris', challenger: { version: 1 }, dataset: test, promote: true },
      { artifacts, models: [version('iris', 1, poor.artifact, 'none')] },
    );
    expect(outputsOf(first)).toMatchObject({ decision: 'promote', promoted: true, champion: null, challenger: { version: 1 } });
    expect(first.models[0].stage).toBe('production');
    const unregistered = await runStepForTest(compareStep, { name: 'iris', challenger: poor, dataset: test, promote: true }, { artifacts });
    expect(unregistered).toMatchObject({ ok: false, error: { stepCode: 'invalid_input' } });
  });

  it('on a lower-is-better metric (rmse) the smaller error wins', async () => {
    const { artifacts, test, linear, noisy, score } = await shared;
    const [linearRmse, noisyRmse] = [(await score(linear)).rmse, (await score(noisy)).rmse];
    expect(linearRmse).toBeLessThan(noisyRmse);
    const models = (champion: string, challenger: string) => [
      version('width', 1, champion, 'production'),
      version('width', 2, challenger, 'none'),
    ];
    const wins = await runStepForTest(
      compareStep,
      { name: 'width', challenger: { version: 2 }, dataset: test, metric: 'rmse', promote: true },
      { artifacts, models: models(noisy.artifact, linear.artifact) },
    );
    expect(outputsOf(wins)).toMatchObject({
      decision: 'promote',
      promoted: true,
      champion: { score: noisyRmse },
      challenger: { score: linearRmse },
    });
    const loses = await runStepForTest(
      compareStep,
      { name: 'width', challenger: { version: 2 }, dataset: test, metric: 'rmse', promote: true },
      { artifacts, models: models(linear.artifact, noisy.artifact) },
    );
    expect(outputsOf(loses)).toMatchObject({ decision: 'keep', promoted: false });
  });

  it("refuses a metric the models do not report and the champion's training data", async () => {
    const { artifacts, test, good } = await shared;
    const models = [version('iris', 1, good.artifact, 'production')];
    expect(
      await runStepForTest(compareStep, { name: 'iris', challenger: good, dataset: test, metric: 'rmse' }, { artifacts, models }),
    ).toMatchObject({ ok: false, error: { stepCode: 'invalid_metric' } });
    const trainKey = Object.keys(artifacts).find((k) => k.includes('train'))!;
    expect(
      await runStepForTest(compareStep, { name: 'iris', challenger: good, dataset: { artifact: trainKey } }, { artifacts, models }),
    ).toMatchObject({ ok: false, error: { stepCode: 'training_data' } });
  });

  it('refuses a challenger with neither an artifact nor a version, and a version the registry cannot find', async () => {
    const { artifacts, test } = await shared;
    expect(await runStepForTest(compareStep, { name: 'iris', challenger: {}, dataset: test }, { artifacts })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(await runStepForTest(compareStep, { name: 'iris', challenger: { version: 9 }, dataset: test }, { artifacts })).toMatchObject({
      ok: false,
      error: { stepCode: 'unknown_model_version' },
    });
  });
});
