import { RandomForestClassifier } from 'ml-random-forest';
import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { IRIS_FEATURES, irisRows, ndjson, parseNdjson, outputsOf } from './iris.test-data.js';
import type { ModelFile } from './model.js';
import { predictStep } from './predict.step.js';
import { trainStep } from './train.step.js';

describe('ml/predict', () => {
  it('adds the model\'s predicted class to every row, as the library predicts it', async () => {
    const rows = irisRows();
    const fitted = await runStepForTest(trainStep, { dataset: { artifact: 'data/iris.ndjson' }, algorithm: 'random_forest_classifier', features: [...IRIS_FEATURES], label: 'species', params: { nEstimators: 8, maxFeatures: 2 } }, { artifacts: { 'data/iris.ndjson': ndjson(rows) } });
    const model = (outputsOf(fitted) as { model: { artifact: string } }).model;
    const unlabelled = rows.map(({ species: _species, ...features }) => features);
    const result = await runStepForTest(predictStep, { model, dataset: { artifact: 'data/new.ndjson' }, column: 'predicted_species' }, { artifacts: { ...fitted.artifacts, 'data/new.ndjson': ndjson(unlabelled) } });
    outputsOf(result);
    const out = outputsOf(result) as { dataset: { artifact: string; rows: number }; count: number };
    expect(out).toMatchObject({ count: 150, dataset: { rows: 150 } });
    const file = JSON.parse(fitted.artifacts[model.artifact]!.toString()) as ModelFile;
    const expected = RandomForestClassifier.load(file.model as never).predict(unlabelled.map((r) => IRIS_FEATURES.map((f) => r[f]))).map((c) => file.classes![c]);
    expect(parseNdjson(result.artifacts[out.dataset.artifact]!)).toEqual(unlabelled.map((r, i) => ({ ...r, predicted_species: expected[i] })));
    expect(result.lineage.map((l) => l.direction)).toEqual(['input', 'input', 'output']);
  });
});
